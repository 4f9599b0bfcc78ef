namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>What the queue's root keeps of one partition: its items by status, the earliest lease expiry, failures and holders.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-partition-summary")]
public sealed record PartitionSummary(
    [property: Id(0)] int Total,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Leased,
    [property: Id(3)] int Done,
    [property: Id(4)] int Failed,
    [property: Id(5)] int Reclaimed,
    [property: Id(6)] DateTime? EarliestExpiry,
    [property: Id(7)] IReadOnlyList<string> Failures,
    [property: Id(8)] IReadOnlyList<string> Holders)
{
    /// <summary>Whether a lease here could be granted at <paramref name="now"/>: an item pending, or a lease expired.</summary>
    public bool CanLease(DateTime now) => Pending > 0 || (Leased > 0 && EarliestExpiry < now);
}
