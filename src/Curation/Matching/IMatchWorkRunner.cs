namespace Pipeline.Curation.Matching;

/// <summary>Runs match work items somewhere: in this process, or on a worker of an Orleans cluster.</summary>
public interface IMatchWorkRunner
{
    /// <summary>Matches and commits the partition of <paramref name="item"/>; a committed partition is not redone.</summary>
    Task<PartitionMatchResult> RunAsync(MatchWorkItem item, CancellationToken cancellationToken);
}
