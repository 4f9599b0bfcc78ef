using Pipeline.Orchestrator.Placement;

namespace Pipeline.Orchestrator.Grains.Cluster;

/// <summary>The active silos with their roles and GPU slots, for clients (which see no silo metadata themselves).</summary>
[Alias("pipeline.cluster-directory")]
public interface IClusterDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Active silos, ordered by address.</summary>
    [Alias("silos")]
    Task<IReadOnlyList<ClusterSilo>> GetSilos();
}
