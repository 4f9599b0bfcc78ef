namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>A partition's answer to a lease request: the lease, if any item could be leased, and the partition's summary after it.</summary>
[GenerateSerializer]
[Alias("pipeline.work-queue-partition-lease")]
public sealed record PartitionLease([property: Id(0)] WorkLease? Lease, [property: Id(1)] PartitionSummary Summary);
