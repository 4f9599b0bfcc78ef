namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>One item of a work queue's state.</summary>
[GenerateSerializer]
[Alias("pipeline.queued-item")]
public sealed class QueuedItem
{
    [Id(0)] public string Name { get; set; } = string.Empty;
    [Id(1)] public WorkItemStatus Status { get; set; }
    [Id(2)] public Guid LeaseId { get; set; }
    [Id(3)] public string? Worker { get; set; }
    [Id(4)] public DateTime Expires { get; set; }
    [Id(5)] public int Attempts { get; set; }
    [Id(6)] public string? LastError { get; set; }
}
