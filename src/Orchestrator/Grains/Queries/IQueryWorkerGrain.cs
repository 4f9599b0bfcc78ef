namespace Pipeline.Orchestrator.Grains.Queries;

/// <summary>Runs one query-building work item (a dump partition or a bucket merge) on whichever silo it is placed; one activation per item.</summary>
[Alias("pipeline.query-worker")]
public interface IQueryWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs a work item given as JSON and returns its result as JSON (the stage library stays free of Orleans types).</summary>
    [Alias("run")]
    [ResponseTimeout("04:00:00")]
    Task<string> Run(string workItemJson);
}
