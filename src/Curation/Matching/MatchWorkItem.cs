using Pipeline.Sharding.Lists;

namespace Pipeline.Curation.Matching;

/// <summary>One pool partition to match, self-contained so any worker process can run it.</summary>
/// <param name="Input">The candidate file of the partition.</param>
/// <param name="Output">The match folder the partition is committed into.</param>
/// <param name="Entries">The entry list (a path every worker can read).</param>
/// <param name="Options">Matching settings.</param>
/// <param name="Columns">The candidate file's column names.</param>
/// <param name="Threads">Threads the worker matches with.</param>
public sealed record MatchWorkItem(string Input, string Output, string Entries, MatcherOptions Options, UrlListColumns Columns, int Threads)
{
    /// <summary>A short name for progress and error lines.</summary>
    public string Describe() => $"match {PoolMatcher.PartitionName(Input)}";
}
