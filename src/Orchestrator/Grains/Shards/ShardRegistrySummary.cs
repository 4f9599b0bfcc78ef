namespace Pipeline.Orchestrator.Grains.Shards;

/// <summary>What a store's manifest says is committed.</summary>
[GenerateSerializer]
[Alias("pipeline.shard-registry-summary")]
public sealed record ShardRegistrySummary(
    [property: Id(0)] string Location,
    [property: Id(1)] int Shards,
    [property: Id(2)] long Samples,
    [property: Id(3)] long Bytes,
    [property: Id(4)] IReadOnlyList<string> Newest,
    [property: Id(5)] DateTime ReadAt);
