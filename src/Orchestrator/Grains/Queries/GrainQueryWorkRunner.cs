using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Runs query work items on the cluster: each item is a call to its own <see cref="IQueryWorkerGrain"/>.</summary>
public sealed class GrainQueryWorkRunner(IGrainFactory grains) : IQueryWorkRunner
{
    /// <inheritdoc/>
    public Task<QueryWorkResult> RunAsync(QueryWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return grains.GetGrain<IQueryWorkerGrain>($"{item.WorkFolder}|{item.Describe()}").Run(item, cancellationToken);
    }
}
