using Pipeline.Curation.Matching;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Matches one pool partition on whichever silo it is placed; one activation per partition, so partitions spread over the cluster.</summary>
[Alias("pipeline.match-worker")]
public interface IMatchWorkerGrain : IGrainWithStringKey
{
    /// <summary>Matches and commits the partition; cancelling the call (the stage stopped) cancels the work.</summary>
    [Alias("run-match")]
    [ResponseTimeout("04:00:00")]
    Task<PartitionMatchResult> Run(MatchWorkItem item, CancellationToken cancellationToken);
}
