using Pipeline.Curation.Wikipedia;

namespace Pipeline.Curation.Queries;

/// <summary>
/// One unit of query-building work, self-contained so any worker can run it: paths are absolute and must be
/// readable (the dump) and writable (the work folder) by every worker, e.g. on a shared file system.
/// </summary>
/// <param name="Step">What to do.</param>
/// <param name="WorkFolder">The job's work folder.</param>
/// <param name="Options">The job's options.</param>
/// <param name="Partition">The dump partition to count (<see cref="QueryStep.Count"/>).</param>
/// <param name="Bucket">The bucket to merge (the merge steps).</param>
/// <param name="Partitions">The counted partitions whose runs a merge reads.</param>
/// <param name="Tokens">Words counted over those partitions (<see cref="QueryStep.MergeBigrams"/>, for PMI).</param>
/// <param name="Pairs">Adjacent word pairs counted over those partitions (<see cref="QueryStep.MergeBigrams"/>).</param>
public sealed record QueryWorkItem(
    QueryStep Step,
    string WorkFolder,
    QueryOptions Options,
    DumpPartition? Partition = null,
    int Bucket = -1,
    IReadOnlyList<int>? Partitions = null,
    long Tokens = 0,
    long Pairs = 0)
{
    /// <summary>A short name for progress and error lines, e.g. <c>count partition 3 (bytes ...)</c>.</summary>
    public string Describe() => Step == QueryStep.Count
        ? $"count {Partition?.Describe()}"
        : $"{(Step == QueryStep.MergeWords ? "merge words" : "merge bigrams")} bucket {Bucket}";
}
