using Pipeline.Curation.Matching;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Runs match work items on the cluster: each partition is a call to its own <see cref="IMatchWorkerGrain"/>.</summary>
public sealed class GrainMatchWorkRunner(IGrainFactory grains) : IMatchWorkRunner
{
    /// <inheritdoc/>
    public Task<PartitionMatchResult> RunAsync(MatchWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return grains.GetGrain<IMatchWorkerGrain>($"{item.Output}|{item.Input}").Run(item, cancellationToken);
    }
}
