namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>
/// A queue of named work items (partitions, chunks) handed out under leases. A worker that dies stops renewing,
/// its lease expires and another worker takes the item; the item's own commit protocol makes a redo harmless.
/// </summary>
[Alias("pipeline.work-queue")]
public interface IWorkQueueGrain : IGrainWithStringKey
{
    /// <summary>Fills the queue once; later calls change nothing.</summary>
    [Alias("fill")]
    Task Fill(IReadOnlyList<string> items);

    /// <summary>Leases the first pending (or expired) item to <paramref name="worker"/>, or null when there is none.</summary>
    [Alias("lease")]
    Task<WorkLease?> Lease(string worker, TimeSpan duration);

    /// <summary>Extends a lease; false when it was lost (expired and taken over).</summary>
    [Alias("renew")]
    Task<bool> Renew(WorkLease lease, TimeSpan duration);

    /// <summary>Marks the leased item done.</summary>
    [Alias("complete")]
    Task Complete(WorkLease lease);

    /// <summary>Returns the item for another attempt, or fails it for good after the last attempt.</summary>
    [Alias("fail")]
    Task Fail(WorkLease lease, string reason);

    /// <summary>Counts by status.</summary>
    [Alias("progress")]
    Task<WorkQueueProgress> GetProgress();
}
