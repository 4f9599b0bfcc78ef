using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>A counters log segment's persisted state.</summary>
[GenerateSerializer]
[Alias("pipeline.entry-counters-log-state")]
public sealed class EntryCountersLogState
{
    [Id(0)] public List<FetchChunkReport> Reports { get; set; } = [];
}
