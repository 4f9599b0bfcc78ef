namespace Pipeline.Orchestrator.Hosting;

/// <summary>Names of the grain storage the pipeline registers: files under the run folder, or Redis when distributed.</summary>
public static class PipelineStorage
{
    /// <summary>The storage every pipeline grain persists to.</summary>
    public const string Name = "pipeline";
}
