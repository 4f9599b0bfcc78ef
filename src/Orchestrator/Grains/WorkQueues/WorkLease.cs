namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A work item leased to one worker until <paramref name="Expires"/>; only the holder of <paramref name="LeaseId"/> may complete it. <paramref name="Partition"/> is the queue partition that holds the item.</summary>
[GenerateSerializer]
[Alias("pipeline.work-lease")]
public sealed record WorkLease([property: Id(0)] string Item, [property: Id(1)] Guid LeaseId, [property: Id(2)] string Worker, [property: Id(3)] DateTime Expires, [property: Id(4)] int Partition = 0);
