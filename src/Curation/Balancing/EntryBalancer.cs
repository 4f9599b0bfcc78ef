using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Reading;

namespace Pipeline.Curation.Balancing;

/// <summary>
/// Caps the pairs kept per entry at t, given every entry's match count over the whole pool.
/// </summary>
/// <remarks>
/// <para>Every (pair, entry) has a seeded priority, a hash of seed, pair key and entry id, so the choice does not
/// depend on pool order or partitioning, and rerunning over a subset of the pool keeps each entry's order.</para>
/// <para><b>Exact</b>: each entry ranks its pairs by priority; a uniform random order. Entries then take pairs
/// in turn, rarest first (fewest matches, then lowest id): an entry takes its highest-ranked pairs not yet taken
/// by a rarer entry, up to t kept, then up to t × (factor − 1) reserve. So no entry has more than t pairs kept
/// for it, its kept pairs are a uniform choice among its matches that no rarer entry took, and a pair matched by
/// several entries is kept once, for the rarest that wanted it. The first pass keeps, per entry, only the
/// ceil(t × factor) best priorities: memory is at most that many 20-byte items per entry, bounded by the
/// output, and entries can be split over processes by id because an entry's ranking needs only its own pairs.
/// The price of that bound: an entry that loses more than t × (factor − 1) of its best pairs to rarer entries
/// ends below t even if it has more matches; a larger factor avoids it.</para>
/// <para><b>MetaCLIP</b>: a pair is kept when, for any of its entries, the pair's uniform coin is below
/// min(1, t / count); it is kept for the rarest entry whose coin passed. It is a reserve when no coin passed but
/// one passed against min(1, t × factor / count). Expected kept per entry is at most t; it is one streaming pass.</para>
/// <para><b>Refill</b>: after download and dedup, balance again over the survivors only, with no reserve
/// (<c>withReserve: false</c>) and the same counts and seed: each entry's order is unchanged and it ranks all of
/// its survivors, so it keeps its surviving kept pairs and fills the places of lost ones from its reserve, up to
/// t (exactly t when its pairs match no other entry; with overlaps a rarer entry may claim a shared survivor).</para>
/// </remarks>
public sealed class EntryBalancer
{
    /// <summary>Orders a per-entry queue worst (highest priority value) first, so the worst is the one replaced.</summary>
    private static readonly Comparer<ulong> WorstFirst = Comparer<ulong>.Create((a, b) => b.CompareTo(a));

    private readonly BalancerOptions _options;
    private readonly EntryCounts _counts;
    private readonly string? _spillFolder;
    private readonly IBandRankRunner? _rankRunner;
    private readonly int _rankParallel;
    private Func<long> _peakHeldRows = () => 0;
    private Func<long> _peakInboxRows = () => 0;

    /// <summary>
    /// A balancer for a pool whose per-entry match counts are <paramref name="counts"/>; exact mode spills to
    /// <paramref name="spillFolder"/> (a fresh temporary folder when null) when the entries need more than one band,
    /// and ranks the bands with <paramref name="rankRunner"/>, <paramref name="rankParallel"/> at a time (in this
    /// process, one per core, when null).
    /// </summary>
    public EntryBalancer(BalancerOptions options, EntryCounts counts, string? spillFolder = null, IBandRankRunner? rankRunner = null, int rankParallel = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counts);
        options.Validate();
        _options = options;
        _counts = counts;
        _spillFolder = spillFolder;
        _rankRunner = rankRunner;
        _rankParallel = Math.Max(1, rankParallel);
    }

    /// <summary>The most ranked pairs exact mode held in memory at once during the last balance.</summary>
    public long PeakHeldRows => _peakHeldRows();

    /// <summary>The largest inbox (pairs rarer bands took, 8 bytes each) one band held during the last banded balance.</summary>
    public long PeakInboxRows => _peakInboxRows();

    /// <summary>The number of entry bands exact mode ranked in turn during the last balance (1 when it ran in memory).</summary>
    public int Bands { get; private set; }

    /// <summary>The probability that a pair of <paramref name="entry"/> is kept: min(1, t / count).</summary>
    public double KeepProbability(int entry) => Math.Min(1.0, _options.Threshold / (double)Math.Max(1, _counts[entry]));

    /// <summary>The seeded priority of a pair for an entry; lower is chosen first.</summary>
    public static ulong Priority(ulong seed, ulong keyHash, int entry) => SplitMix64.Mix(seed, keyHash, (ulong)entry);

    /// <summary>The 64-bit hash of a pair key that priorities are built from.</summary>
    public static ulong KeyHash(string key) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Balances the pool that <paramref name="openPool"/> streams (opened twice in exact mode, so it must give the
    /// same pairs in the same order each time) and yields the kept and reserve pairs, in pool order, each with its
    /// decision.
    /// </summary>
    /// <exception cref="InvalidDataException">A pair names an entry outside the counts, or an entry the counts say never matched.</exception>
    public IAsyncEnumerable<MatchedPair> BalanceAsync(Func<CancellationToken, IAsyncEnumerable<MatchedPair>> openPool, bool withReserve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openPool);
        // A refill ranks every survivor of an entry (survivors are already bounded by the first balance), so that
        // pairs rarer entries take do not leave it short; the first balance keeps t × factor per entry.
        return _options.Mode == BalanceMode.Exact
            ? BalanceExactAsync(openPool, withReserve ? _options.WithReserve : int.MaxValue, withReserve ? _options.WithReserve : _options.Threshold, cancellationToken)
            : BalanceMetaClipAsync(openPool(cancellationToken), withReserve ? _options.WithReserve : _options.Threshold, cancellationToken);
    }

    private async IAsyncEnumerable<MatchedPair> BalanceMetaClipAsync(IAsyncEnumerable<MatchedPair> pool, int perEntry, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var pair in pool.WithCancellation(cancellationToken))
        {
            var keyHash = KeyHash(pair.Key);
            int kept = -1, reserve = -1;
            foreach (var entry in pair.EntryIds)
            {
                var count = CountOf(entry, pair);
                var coin = (Priority(_options.Seed, keyHash, entry) >> 11) * (1.0 / (1UL << 53));
                if (coin < KeepProbability(entry))
                {
                    kept = Rarer(entry, kept);
                }
                else if (coin < Math.Min(1.0, perEntry / (double)count))
                {
                    reserve = Rarer(entry, reserve);
                }
            }

            if (kept >= 0 || reserve >= 0)
            {
                var entry = kept >= 0 ? kept : reserve;
                yield return pair with { Balance = new BalanceDecision(entry, KeepProbability(entry), Reserve: kept < 0) };
            }
        }
    }

    private IAsyncEnumerable<MatchedPair> BalanceExactAsync(Func<CancellationToken, IAsyncEnumerable<MatchedPair>> openPool, int window, int perEntry, CancellationToken cancellationToken)
    {
        var bands = EntryBands.Cut(_counts, window, _options.BandRows);
        Bands = Math.Max(1, bands.Count);
        if (bands.Count <= 1)
        {
            return BalanceInMemoryAsync(openPool, window, perEntry, cancellationToken);
        }

        var folder = _spillFolder ?? Path.Combine(Path.GetTempPath(), $"pipeline-balance-{Guid.NewGuid():N}");
        var spilled = new SpilledExactBalance(this, _options, bands, window, perEntry, folder, _rankRunner, _rankParallel);
        _peakHeldRows = () => spilled.PeakHeldRows;
        _peakInboxRows = () => spilled.PeakInboxRows;
        return spilled.RunAsync(openPool, cancellationToken);
    }

    /// <summary>Exact mode when every entry's window fits in one band: both passes in memory.</summary>
    private async IAsyncEnumerable<MatchedPair> BalanceInMemoryAsync(Func<CancellationToken, IAsyncEnumerable<MatchedPair>> openPool, int window, int perEntry, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Pass 1: each entry's best-priority pairs (up to window of them), by pool ordinal.
        var best = new Dictionary<int, PriorityQueue<long, ulong>>();
        long ordinal = 0;
        await foreach (var pair in openPool(cancellationToken).WithCancellation(cancellationToken))
        {
            var keyHash = KeyHash(pair.Key);
            foreach (var entry in pair.EntryIds)
            {
                CountOf(entry, pair);
                if (!best.TryGetValue(entry, out var queue))
                {
                    best[entry] = queue = new PriorityQueue<long, ulong>(WorstFirst);
                }

                var priority = Priority(_options.Seed, keyHash, entry);
                if (queue.Count < window)
                {
                    queue.Enqueue(ordinal, priority);
                }
                else if (queue.TryPeek(out _, out var worst) && priority < worst)
                {
                    queue.DequeueEnqueue(ordinal, priority);
                }
            }

            ordinal++;
        }

        var firstPass = ordinal;
        var held = best.Values.Sum(q => (long)q.Count);
        _peakHeldRows = () => held;

        // Assignment: rarest entries choose first.
        var decisions = new Dictionary<long, BalanceDecision>();
        foreach (var entry in best.Keys.OrderBy(e => _counts[e]).ThenBy(e => e))
        {
            var ranked = best[entry].UnorderedItems.OrderBy(item => item.Priority).ThenBy(item => item.Element).Select(item => item.Element);
            int kept = 0, reserved = 0;
            var probability = KeepProbability(entry);
            foreach (var pairOrdinal in ranked)
            {
                if (kept + reserved == perEntry)
                {
                    break;
                }

                if (decisions.ContainsKey(pairOrdinal))
                {
                    continue;
                }

                var reserve = kept == _options.Threshold;
                decisions[pairOrdinal] = new BalanceDecision(entry, probability, reserve);
                if (reserve)
                {
                    reserved++;
                }
                else
                {
                    kept++;
                }
            }

            best[entry].Clear();
        }

        // Pass 2: the chosen pairs in pool order.
        ordinal = 0;
        await foreach (var pair in openPool(cancellationToken).WithCancellation(cancellationToken))
        {
            if (decisions.TryGetValue(ordinal++, out var decision))
            {
                yield return pair with { Balance = decision };
            }
        }

        if (ordinal != firstPass)
        {
            throw new InvalidDataException($"the pool gave {firstPass} pairs in the first pass and {ordinal} in the second: it changed while it was balanced");
        }
    }

    private int Rarer(int entry, int current) =>
        current < 0 || _counts[entry] < _counts[current] || (_counts[entry] == _counts[current] && entry < current) ? entry : current;

    /// <summary>The count of an entry a pair matched; throws when the counts do not cover it.</summary>
    internal long CountOf(int entry, MatchedPair pair)
    {
        if ((uint)entry >= (uint)_counts.EntryCount || _counts[entry] == 0)
        {
            throw new InvalidDataException($"pair {pair.Key} matched entry {entry}, which the counts ({_counts.EntryCount} entries) do not have: are the counts from the same match run?");
        }

        return _counts[entry];
    }
}
