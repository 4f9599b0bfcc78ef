using Pipeline.Curation.Jobs;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Runs one curation work item on whichever silo it is placed; one activation per item, so items spread over the cluster.</summary>
[Alias("pipeline.curation-worker")]
public interface ICurationWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs a work item; cancelling the call (the job stopped) cancels the work.</summary>
    [Alias("run-item")]
    [ResponseTimeout("04:00:00")]
    Task<WorkItemResult> Run(WorkItem item, CancellationToken cancellationToken);
}
