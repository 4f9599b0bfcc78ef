using Microsoft.Extensions.Logging;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Runs match work items in this process: the code every worker runs. The automaton of the last entry list is
/// kept for the process's life, so a worker builds it once however many partitions it matches.
/// </summary>
public sealed class MatchWorker(ILoggerFactory logging) : IMatchWorkRunner
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Key, EntryMatcher Matcher)? _cached;

    /// <inheritdoc/>
    public async Task<PartitionMatchResult> RunAsync(MatchWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var matcher = await MatcherForAsync(item, cancellationToken);
        var pool = new PoolMatcher(matcher, item.Columns, Math.Max(1, item.Threads), logging.CreateLogger<PoolMatcher>());
        return await pool.MatchPartitionAsync(item.Input, item.Output, progress: null, cancellationToken);
    }

    private static async Task<EntryMatcher> MatcherForAsync(MatchWorkItem item, CancellationToken cancellationToken)
    {
        var key = $"{Path.GetFullPath(item.Entries)}|{File.GetLastWriteTimeUtc(item.Entries):O}|{item.Options}";
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } cached && cached.Key == key)
            {
                return cached.Matcher;
            }

            _cached = null;
            var matcher = EntryMatcher.Build(await EntryListFile.LoadAsync(item.Entries, cancellationToken), item.Options);
            _cached = (key, matcher);
            return matcher;
        }
        finally
        {
            Gate.Release();
        }
    }
}
