namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A work queue's persisted state: its items in order.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-state")]
public sealed class WorkQueueState
{
    [Id(0)] public List<QueuedItem> Items { get; set; } = [];
    [Id(1)] public bool Filled { get; set; }
}
