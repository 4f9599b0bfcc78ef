namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A work queue's persisted state: its items in order.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-state")]
public sealed class WorkQueueState
{
    [Id(0)] public List<QueuedItem> Items { get; set; } = [];
    [Id(1)] public bool Filled { get; set; }

    /// <summary>Expired leases taken over by another worker; kept with the items, so it survives the queue moving silo.</summary>
    [Id(2)] public int Reclaimed { get; set; }

    /// <summary>True while the queue is held (the campaign is paused or cancelled): nothing is leased.</summary>
    [Id(3)] public bool Held { get; set; }
}
