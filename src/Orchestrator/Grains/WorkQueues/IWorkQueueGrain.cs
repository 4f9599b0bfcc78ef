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

    /// <summary>Returns the leased item unattempted: its worker was told to stop (the queue is held) and did not finish it.</summary>
    [Alias("give-back")]
    Task GiveBack(WorkLease lease);

    /// <summary>Holds the queue: no item is leased until <see cref="Release"/>; workers drop what they hold (see <see cref="IsHeld"/>).</summary>
    [Alias("hold")]
    Task Hold();

    /// <summary>Leases again after <see cref="Hold"/>.</summary>
    [Alias("release")]
    Task Release();

    /// <summary>Whether the queue is held: a worker polls it while it works and gives its item back when it is.</summary>
    [Alias("is-held")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> IsHeld();

    /// <summary>Counts by status.</summary>
    [Alias("progress")]
    Task<WorkQueueProgress> GetProgress();
}
