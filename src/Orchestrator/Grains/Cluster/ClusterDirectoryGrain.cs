using Orleans.Concurrency;
using Pipeline.Orchestrator.Placement;

namespace Pipeline.Orchestrator.Grains.Cluster;

/// <summary>Answers from the local silo's view of membership; stateless, so any silo serves it.</summary>
[StatelessWorker]
public sealed class ClusterDirectoryGrain(SiloDirectory directory) : Grain, IClusterDirectoryGrain
{
    public Task<IReadOnlyList<ClusterSilo>> GetSilos() => Task.FromResult(directory.ActiveSilos());
}
