using System.Runtime.CompilerServices;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Counting;
using Pipeline.Curation.DataCards;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Telemetry;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Stages;

/// <summary>Stage 4: keeps at most t pairs per entry (with a reserve) over a finished match run; writes the pairs and a data card.</summary>
public static class BalanceStage
{
    /// <summary>The balanced pairs in a balance folder (a URL list <c>crawl fetch</c> reads).</summary>
    public const string BalancedFile = "balanced.parquet";

    /// <summary>Where exact mode spills its bands while it runs (removed afterwards, and at the start of a rerun).</summary>
    public const string SpillFolder = ".balance-spill";

    /// <summary>Balances the match run in <paramref name="matches"/> into <paramref name="output"/>; with <paramref name="survivors"/>, rebalances over them with no reserve.</summary>
    public static Task<BalanceOutcome> RunAsync(
        string matches, string output, BalancerOptions options, IReadOnlySet<string>? survivors, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        BalanceAsync(matches, pool: null, survivors, output, options, rankRunner: null, rankParallel: 1, progress, cancellationToken);

    /// <summary>
    /// Balances the match run in <paramref name="matches"/> into <paramref name="output"/>, exact mode's bands ranked as
    /// work items by <paramref name="rankRunner"/>, <paramref name="rankParallel"/> at a time (workers must share the output folder).
    /// </summary>
    public static Task<BalanceOutcome> RunAsync(
        string matches, string output, BalancerOptions options, IBandRankRunner? rankRunner, int rankParallel, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        BalanceAsync(matches, pool: null, survivors: null, output, options, rankRunner, rankParallel, progress, cancellationToken);

    /// <summary>
    /// Rebalances, with no reserve, the pairs of the pair files <paramref name="pool"/> (the survivors of a run, with
    /// the entries they matched) against the counts of the match run in <paramref name="matches"/>.
    /// </summary>
    public static Task<BalanceOutcome> RebalanceAsync(
        string matches, IReadOnlyList<string> pool, string output, BalancerOptions options, IBandRankRunner? rankRunner, int rankParallel, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        BalanceAsync(matches, pool ?? throw new ArgumentNullException(nameof(pool)), survivors: null, output, options, rankRunner, rankParallel, progress, cancellationToken);

    private static async Task<BalanceOutcome> BalanceAsync(
        string matches, IReadOnlyList<string>? pool, IReadOnlySet<string>? survivors, string output, BalancerOptions options,
        IBandRankRunner? rankRunner, int rankParallel, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var summary = await MatchStage.LoadSummaryAsync(matches, cancellationToken);
        var entries = await MatchStage.LoadEntriesAsync(summary.Entries, cancellationToken);
        var counts = await EntryCounts.LoadAsync(Path.Combine(matches, MatchStage.CountsFile), cancellationToken);
        var partitions = pool ?? [.. summary.Partitions.Select(p => Path.Combine(matches, PoolMatcher.MatchesFolder, p.Partition + ".parquet"))];
        long poolPairs = 0, inCapped = 0, opened = 0;
        async IAsyncEnumerable<MatchedPair> OpenPool([EnumeratorCancellation] CancellationToken ct)
        {
            var first = Interlocked.Increment(ref opened) == 1;
            foreach (var file in partitions)
            {
                await foreach (var pair in PairFile.ReadAsync(file, ct))
                {
                    if (survivors is not null && !survivors.Contains(pair.Key))
                    {
                        continue;
                    }

                    if (first)
                    {
                        poolPairs++;
                        inCapped += pair.EntryIds.Any(e => counts[e] > options.Threshold) ? 1 : 0;
                    }

                    yield return pair;
                }
            }
        }

        Directory.CreateDirectory(output);
        var balancer = new EntryBalancer(options, counts, Path.GetFullPath(Path.Combine(output, SpillFolder)), rankRunner, rankParallel);
        var card = new DataCardBuilder(entries, counts, options);
        var withReserve = survivors is null && pool is null;
        var over = (survivors, pool) switch
        {
            ({ } keys, _) => $"refill over {keys.Count:N0} surviving keys; {summary.Matched:N0} matched pairs in {partitions.Count} partitions",
            (_, { } files) => $"refill over the survivors in {string.Join(", ", files.Select(Path.GetFileName))}",
            _ => $"reserve factor {options.ReserveFactor}; {summary.Matched:N0} matched pairs in {partitions.Count} partitions",
        };
        progress.Report(new StageProgress("balance", $"{options.Mode.ToString().ToLowerInvariant()} mode, t = {options.Threshold}, seed {options.Seed}, {over}"));
        var written = new ThrottledProgress<long>(TimeSpan.FromSeconds(2), n => progress.Report(new StageProgress("balance", $"{n:N0} pairs written", n, summary.Matched)));
        async IAsyncEnumerable<MatchedPair> Tallied([EnumeratorCancellation] CancellationToken ct)
        {
            long yielded = 0;
            await foreach (var pair in balancer.BalanceAsync(OpenPool, withReserve, ct))
            {
                card.Add(pair);
                written.Report(++yielded);
                CurationMetrics.Balanced.Add(1, new KeyValuePair<string, object?>("decision", pair.Balance is { Reserve: true } ? "reserve" : "kept"));
                yield return pair;
            }
        }

        var balanced = Path.Combine(output, BalancedFile);
        await AtomicFile.WriteAsync(balanced, async (stream, ct) => await PairFile.WriteAsync(stream, Tallied(ct), ct), cancellationToken);
        if (balancer.Bands > 1)
        {
            progress.Report(new StageProgress("balance", $"ranked in {balancer.Bands} bands of entries, at most {balancer.PeakHeldRows:N0} ranked pairs in memory at once (Curation:Balancing:BandRows {options.BandRows:N0}), inboxes of up to {balancer.PeakInboxRows:N0} pairs"));
        }

        var dataCard = card.Build(poolPairs, inCapped);
        await card.WriteAsync(output, dataCard, cancellationToken);
        return new BalanceOutcome(dataCard, poolPairs, balanced);
    }
}
