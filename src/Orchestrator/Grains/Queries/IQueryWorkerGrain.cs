using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Runs one query-building work item (a dump partition or a bucket merge) on whichever silo it is placed; one activation per item.</summary>
[Alias("pipeline.query-worker")]
public interface IQueryWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs a work item; cancelling the call (the build stopped) cancels the work.</summary>
    [Alias("run-item")]
    [ResponseTimeout("04:00:00")]
    Task<QueryWorkResult> Run(QueryWorkItem item, CancellationToken cancellationToken);
}
