namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>
/// One partition of a work queue (key: <c>QUEUE#INDEX</c>): the items it holds are leased, renewed and completed here,
/// so an operation writes one partition's state, whatever the queue's length. Only the queue's root calls it.
/// </summary>
[Alias("pipeline.work-queue-partition")]
public interface IWorkQueuePartitionGrain : IGrainWithStringKey
{
    /// <summary>Fills the partition once (items keep the status they are given); later calls change nothing.</summary>
    [Alias("fill")]
    Task<PartitionSummary> Fill(IReadOnlyList<QueuedItem> items);

    /// <summary>Leases the first pending item, else the first whose lease expired before <paramref name="now"/>.</summary>
    [Alias("lease")]
    Task<PartitionLease> Lease(int partition, string worker, TimeSpan duration, DateTime now);

    /// <summary>Extends a lease still held; false when it was lost.</summary>
    [Alias("renew")]
    Task<bool> Renew(WorkLease lease, TimeSpan duration);

    /// <summary>Marks the item done (even under a lost lease: its commit is idempotent).</summary>
    [Alias("complete")]
    Task<PartitionSummary> Complete(WorkLease lease);

    /// <summary>Returns the item for another attempt, or fails it for good after <see cref="WorkQueueGrain.MaxAttempts"/>.</summary>
    [Alias("fail")]
    Task<PartitionSummary> Fail(WorkLease lease, string reason);

    /// <summary>Returns the item undone, its attempt not counted.</summary>
    [Alias("give-back")]
    Task<PartitionSummary> GiveBack(WorkLease lease);

    /// <summary>The partition's summary.</summary>
    [Alias("summary")]
    Task<PartitionSummary> GetSummary();
}
