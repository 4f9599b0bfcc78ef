namespace Pipeline.Orchestrator.Grains.Shards;

/// <summary>
/// A campaign's registry of committed shards per store. The store's manifest commit is the single point of truth:
/// the registry only ever reads it back, so it can never disagree with what readers see.
/// </summary>
[Alias("pipeline.shard-registry")]
public interface IShardRegistryGrain : IGrainWithStringKey
{
    /// <summary>Reads <paramref name="location"/>'s manifest again and records it as the stage <paramref name="stage"/>.</summary>
    [Alias("refresh")]
    Task<ShardRegistrySummary> Refresh(string stage, string location);

    /// <summary>Drops every reading, for a campaign replaced under the same name.</summary>
    [Alias("forget")]
    Task Forget();

    /// <summary>The last reading of every stage's store.</summary>
    [Alias("summaries")]
    Task<IReadOnlyDictionary<string, ShardRegistrySummary>> GetSummaries();
}
