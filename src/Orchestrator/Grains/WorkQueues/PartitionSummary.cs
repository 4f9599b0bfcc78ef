namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>What the queue's root keeps of one partition: its progress, and the earliest expiry of a lease in it.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-partition-summary")]
public sealed record PartitionSummary([property: Id(0)] WorkQueueProgress Progress, [property: Id(1)] DateTime? EarliestExpiry)
{
    /// <summary>Whether a lease here could be granted at <paramref name="now"/>: an item pending, or a lease expired.</summary>
    public bool CanLease(DateTime now) => Progress.Pending > 0 || (Progress.Leased > 0 && EarliestExpiry < now);
}
