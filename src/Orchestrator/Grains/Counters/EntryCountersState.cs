namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>The counters' persisted checkpoint: sparse per-entry counts and the chunks already added (so a redone chunk counts once).</summary>
[GenerateSerializer]
[Alias("pipeline.entry-counters-state")]
public sealed class EntryCountersState
{
    [Id(0)] public int Entries { get; set; }
    [Id(1)] public int Threshold { get; set; }
    [Id(2)] public Dictionary<int, long> Matched { get; set; } = [];
    [Id(3)] public Dictionary<int, long> Fetched { get; set; } = [];
    [Id(4)] public HashSet<string> Chunks { get; set; } = [];
    [Id(5)] public long Attempted { get; set; }
    [Id(6)] public long Images { get; set; }
    [Id(7)] public Dictionary<string, long> ErrorsByClass { get; set; } = [];
    [Id(8)] public Dictionary<string, long> ErrorsByHost { get; set; } = [];
    [Id(9)] public List<string> TopEntries { get; set; } = [];
    [Id(10)] public Dictionary<int, long>? Final { get; set; }

    /// <summary>The first log segment whose reports may not be in these counters yet (replayed on activation).</summary>
    [Id(11)] public int LogSegment { get; set; }

    /// <summary>Entries whose last status is a retryable failure (what a retry round would fetch again).</summary>
    [Id(12)] public long Retryable { get; set; }
}
