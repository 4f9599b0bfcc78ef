namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>Where a queued work item stands.</summary>
public enum WorkItemStatus
{
    /// <summary>Waiting for a worker.</summary>
    Pending,

    /// <summary>Held by a worker whose lease has not expired.</summary>
    Leased,

    /// <summary>Done and committed.</summary>
    Done,

    /// <summary>Failed on every allowed attempt.</summary>
    Failed,
}
