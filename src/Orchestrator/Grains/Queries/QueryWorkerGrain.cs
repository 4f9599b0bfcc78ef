using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Thin: lets the curation library's query worker do the item off the grain scheduler.</summary>
public sealed class QueryWorkerGrain : Grain, IQueryWorkerGrain
{
    public Task<QueryWorkResult> Run(QueryWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Task.Run(() => new QueryWorker().RunAsync(item, cancellationToken), cancellationToken);
    }
}
