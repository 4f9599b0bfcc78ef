using System.Diagnostics.Metrics;

namespace Pipeline.Curation.Telemetry;

/// <summary>Curation's meter, <c>Pipeline.Curation</c>: candidates matched and pairs balanced.</summary>
public static class CurationMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pipeline.Curation";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Candidates read by the matcher, tagged <c>matched</c> (true when at least one entry matched).</summary>
    public static readonly Counter<long> Candidates = Meter.CreateCounter<long>("pipeline.curation.candidates", "{candidate}", "Candidates matched against the entries, by whether any entry matched");

    /// <summary>Pairs a balance chose, tagged <c>decision</c>: <c>kept</c> or <c>reserve</c>.</summary>
    public static readonly Counter<long> Balanced = Meter.CreateCounter<long>("pipeline.curation.balanced_pairs", "{pair}", "Pairs a balance chose, kept or in reserve");
}
