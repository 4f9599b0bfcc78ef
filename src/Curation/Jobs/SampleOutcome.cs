using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Jobs;

/// <summary>What a step does with one sample: keep it (possibly changed) or drop it with a reason.</summary>
public sealed record SampleOutcome(Sample? Kept, string? Reason = null, string? Detail = null, string? DuplicateOf = null, int? Distance = null)
{
    /// <summary>Keeps <paramref name="sample"/>.</summary>
    public static SampleOutcome Keep(Sample sample) => new(sample);

    /// <summary>Drops the sample.</summary>
    public static SampleOutcome Drop(string reason, string? detail = null, string? duplicateOf = null, int? distance = null) =>
        new(null, reason, detail, duplicateOf, distance);
}
