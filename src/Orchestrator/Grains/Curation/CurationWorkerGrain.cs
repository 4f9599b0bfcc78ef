using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pipeline.Curation.Jobs;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Thin: decodes the item, lets the curation library's worker do it off the grain scheduler, encodes the result.</summary>
public sealed class CurationWorkerGrain(IConfiguration configuration) : Grain, ICurationWorkerGrain
{
    public async Task<string> Run(string workItemJson)
    {
        var item = JsonSerializer.Deserialize<WorkItem>(workItemJson, StoreFile.Json)
            ?? throw new ArgumentException("empty work item", nameof(workItemJson));
        var storeOptions = configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();
        var result = await Task.Run(() => new CurationWorker(storeOptions).RunAsync(item, CancellationToken.None));
        return JsonSerializer.Serialize(result, StoreFile.Json);
    }
}
