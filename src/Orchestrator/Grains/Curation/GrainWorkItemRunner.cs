using Pipeline.Curation.Jobs;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Runs curation work items on the cluster: each item is a call to its own <see cref="ICurationWorkerGrain"/>.</summary>
public sealed class GrainWorkItemRunner(IGrainFactory grains) : IWorkItemRunner
{
    /// <inheritdoc/>
    public Task<WorkItemResult> RunAsync(WorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return grains.GetGrain<ICurationWorkerGrain>($"{item.OutputStore}|{item.Step}|{item.Part}").Run(item, cancellationToken);
    }
}
