namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>How far a work queue is: items by status, expired leases taken over, the failures, and who holds leases now.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-progress")]
public sealed record WorkQueueProgress(
    [property: Id(0)] int Total,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Leased,
    [property: Id(3)] int Done,
    [property: Id(4)] int Failed,
    [property: Id(5)] int Reclaimed,
    [property: Id(6)] IReadOnlyList<string> Failures,
    [property: Id(7)] IReadOnlyList<string> Holders)
{
    /// <summary>Whether every item is done or failed for good.</summary>
    public bool Finished => Total > 0 && Done + Failed == Total;
}
