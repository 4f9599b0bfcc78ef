using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Jobs;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Thin: lets the curation library's worker do the item off the grain scheduler.</summary>
public sealed class CurationWorkerGrain(IConfiguration configuration, ILocalSiloDetails silo, ILogger<CurationWorkerGrain> logger) : Grain, ICurationWorkerGrain
{
    public Task<WorkItemResult> Run(WorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var storeOptions = configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();
        return WorkItemLog.RunAsync(logger, silo.SiloAddress.ToString(), item.Describe(), () => new CurationWorker(storeOptions).RunAsync(item, cancellationToken), cancellationToken);
    }
}
