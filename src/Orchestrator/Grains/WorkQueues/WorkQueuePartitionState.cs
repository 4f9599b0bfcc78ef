namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A work queue partition's persisted state: at most a partition's worth of items, in queue order.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-partition-state")]
public sealed class WorkQueuePartitionState
{
    [Id(0)] public List<QueuedItem> Items { get; set; } = [];
    [Id(1)] public bool Filled { get; set; }

    /// <summary>Expired leases in this partition taken over by another worker.</summary>
    [Id(2)] public int Reclaimed { get; set; }
}
