using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Jobs;

/// <summary>Evaluation-overlap settings (configuration section <c>Curation:Overlap</c>).</summary>
public sealed record OverlapOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Overlap";

    /// <summary>Largest Hamming distance at which a sample counts as a copy of an evaluation image (as for dedup).</summary>
    public int MaxDistance { get; init; } = 8;

    /// <summary>Whether samples that copy an evaluation image are dropped from the written data set.</summary>
    public bool Drop { get; init; }

    /// <summary>Throws when a setting is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate() => SettingRange.Between(Key(nameof(MaxDistance)), MaxDistance, 0, 32);

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
