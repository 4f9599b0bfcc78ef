using Microsoft.Extensions.Logging;
using Pipeline.Curation.Queries;
using Pipeline.Orchestrator.Grains.Curation;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Thin: lets the curation library's query worker do the item off the grain scheduler.</summary>
public sealed class QueryWorkerGrain(ILocalSiloDetails silo, ILogger<QueryWorkerGrain> logger) : Grain, IQueryWorkerGrain
{
    public Task<QueryWorkResult> Run(QueryWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return WorkItemLog.RunAsync(logger, silo.SiloAddress.ToString(), item.Describe(), () => new QueryWorker().RunAsync(item, cancellationToken), cancellationToken);
    }
}
