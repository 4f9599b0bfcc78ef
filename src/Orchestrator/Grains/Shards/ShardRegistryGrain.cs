using Microsoft.Extensions.Configuration;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Shards;

/// <summary>Holds the latest manifest reading per stage in memory; a new activation simply reads the manifests again.</summary>
public sealed class ShardRegistryGrain(IConfiguration configuration) : Grain, IShardRegistryGrain
{
    private readonly Dictionary<string, ShardRegistrySummary> _summaries = [];

    public async Task<ShardRegistrySummary> Refresh(string stage, string location)
    {
        var store = ShardStoreLocation.Open(location, configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions());
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var summary = new ShardRegistrySummary(
            location, manifest.Shards.Count, manifest.TotalSamples, manifest.TotalBytes, [.. manifest.Shards.TakeLast(8).Select(s => s.Name)], DateTime.UtcNow);
        _summaries[stage] = summary;
        return summary;
    }

    public Task Forget()
    {
        _summaries.Clear();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, ShardRegistrySummary>> GetSummaries() =>
        Task.FromResult<IReadOnlyDictionary<string, ShardRegistrySummary>>(new Dictionary<string, ShardRegistrySummary>(_summaries));
}
