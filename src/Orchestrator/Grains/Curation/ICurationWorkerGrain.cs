namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Runs one curation work item on whichever silo it is placed; one activation per item, so items spread over the cluster.</summary>
[Alias("pipeline.curation-worker")]
public interface ICurationWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs a work item given as JSON and returns its result as JSON (the stage library stays free of Orleans types).</summary>
    [Alias("run")]
    [ResponseTimeout("04:00:00")]
    Task<string> Run(string workItemJson);
}
