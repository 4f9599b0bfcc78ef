namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A work queue root's persisted state: how many partitions hold its items, and whether it is held.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-state")]
public sealed class WorkQueueState
{
    /// <summary>The items of a queue written before partitions existed; moved into partitions when it activates.</summary>
    [Id(0)] public List<QueuedItem> Items { get; set; } = [];
    [Id(1)] public bool Filled { get; set; }

    /// <summary>Expired leases taken over before partitions existed (partitions count their own since).</summary>
    [Id(2)] public int Reclaimed { get; set; }

    /// <summary>True while the queue is held (the campaign is paused or cancelled): nothing is leased.</summary>
    [Id(3)] public bool Held { get; set; }

    /// <summary>Partitions of <see cref="WorkQueueGrain.PartitionSize"/> items, keyed <c>QUEUE#INDEX</c>.</summary>
    [Id(4)] public int Partitions { get; set; }
}
