using Pipeline.Curation.Balancing;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Matching;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

public sealed class EntryBalancerTests
{
    private static readonly int[] ThreeEntries = [3, 7, 11];

    /// <summary>A pool where pair i matches the entries <paramref name="entriesOf"/>(i).</summary>
    private static (List<MatchedPair> Pool, EntryCounts Counts) Pool(int pairs, int entries, Func<int, int[]> entriesOf)
    {
        var pool = new List<MatchedPair>();
        var counts = new EntryCounts(entries);
        for (var i = 0; i < pairs; i++)
        {
            var ids = entriesOf(i).Distinct().Order().ToArray();
            pool.Add(new MatchedPair($"pair-{i}", $"https://example.org/{i}.jpg", $"caption {i}", null, ids));
            counts.Add(ids);
        }

        return (pool, counts);
    }

    private static async Task<List<MatchedPair>> BalanceAsync(IReadOnlyList<MatchedPair> pool, EntryCounts counts, BalancerOptions options, bool withReserve = true, EntryBalancer? balancer = null)
    {
        balancer ??= new EntryBalancer(options, counts);
        var result = new List<MatchedPair>();
        await foreach (var pair in balancer.BalanceAsync(_ => pool.ToAsyncEnumerable(), withReserve, CancellationToken.None))
        {
            result.Add(pair);
        }

        return result;
    }

    /// <summary>A Zipf-like pool: entry e is matched by about pairs / (e + 1) pairs, and a pair often matches several entries.</summary>
    private static (List<MatchedPair> Pool, EntryCounts Counts) ZipfPool(int pairs, int entries, int seed)
    {
        var random = new Random(seed);
        return Pool(pairs, entries, i => [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => (int)Math.Min(entries - 1, Math.Floor(Math.Exp(random.NextDouble() * Math.Log(entries + 10))) - 1))]);
    }

    private static Dictionary<int, int> KeptPerEntry(IEnumerable<MatchedPair> balanced) =>
        balanced.Where(p => p.Balance is { Reserve: false }).GroupBy(p => p.Balance!.Entry).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public async Task Exact_mode_keeps_no_entry_above_t_and_each_pair_for_one_entry_it_matched()
    {
        var (pool, counts) = ZipfPool(6000, 50, seed: 11);
        var options = new BalancerOptions { Threshold = 100, ReserveFactor = 1.5, Seed = 3 };
        var balanced = await BalanceAsync(pool, counts, options);

        var kept = KeptPerEntry(balanced);
        Assert.True(kept.Values.Max() == 100, $"the head should be cut to exactly t, max is {kept.Values.Max()}");
        Assert.All(balanced, p => Assert.Contains(p.Balance!.Entry, p.EntryIds));
        Assert.Equal(balanced.Count, balanced.Select(p => p.Key).Distinct().Count());
        var reserve = balanced.Where(p => p.Balance!.Reserve).GroupBy(p => p.Balance!.Entry).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(reserve, r => Assert.True(r.Value <= 50, $"entry {r.Key} has {r.Value} reserve pairs, more than t × 0.5"));
        Assert.All(reserve, r => Assert.Equal(100, kept[r.Key]));

        // Entries at or below t keep every pair that no rarer entry took; the probability recorded is min(1, t/count).
        foreach (var pair in balanced)
        {
            Assert.Equal(Math.Min(1.0, 100.0 / counts[pair.Balance!.Entry]), pair.Balance.KeepProbability, 12);
        }

        var rarest = Enumerable.Range(0, 50).Where(e => counts[e] > 0).OrderBy(e => counts[e]).ThenBy(e => e).First();
        Assert.Equal(counts[rarest], kept[rarest]);
    }

    [Fact]
    public async Task Exact_mode_is_a_uniform_choice_among_an_entrys_matches()
    {
        // One entry, 200 pairs, t = 20, over 4000 seeds: each pair should be kept 400 times.
        const int pairs = 200, t = 20, seeds = 4000;
        var (pool, counts) = Pool(pairs, 1, _ => [0]);
        var kept = new int[pairs];
        for (ulong seed = 0; seed < seeds; seed++)
        {
            var balanced = await BalanceAsync(pool, counts, new BalancerOptions { Threshold = t, ReserveFactor = 1, Seed = seed + 1000 });
            Assert.Equal(t, balanced.Count);
            foreach (var pair in balanced)
            {
                kept[int.Parse(pair.Key["pair-".Length..], System.Globalization.CultureInfo.InvariantCulture)]++;
            }
        }

        // Pearson's chi-square against uniform, 199 degrees of freedom, by its normal approximation: |z| < 4
        // fails a fair choice about once in 15,000 seeds-sets and any bias towards pool order by far.
        var expected = seeds * (double)t / pairs;
        var chiSquare = kept.Sum(k => (k - expected) * (k - expected) / expected);
        var z = (chiSquare - (pairs - 1)) / Math.Sqrt(2 * (pairs - 1));
        Assert.True(Math.Abs(z) < 4, $"chi-square {chiSquare:0.0} over {pairs - 1} df (z = {z:0.00}): the choice is not uniform");
        var firstHalf = kept.Take(pairs / 2).Sum() / (double)kept.Sum();
        Assert.InRange(firstHalf, 0.48, 0.52);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_choice_whatever_the_pool_order_and_another_seed_another()
    {
        var random = new Random(2);
        var (pool, counts) = Pool(3000, 20, i => [random.Next(20), random.Next(5)]);
        var options = new BalancerOptions { Threshold = 40, Seed = 9 };
        var first = await BalanceAsync(pool, counts, options);
        var again = await BalanceAsync(pool, counts, options);
        var shuffled = await BalanceAsync([.. pool.OrderBy(_ => random.Next())], counts, options);
        var other = await BalanceAsync(pool, counts, options with { Seed = 10 });

        static Dictionary<string, BalanceDecision> Decisions(IEnumerable<MatchedPair> pairs) => pairs.ToDictionary(p => p.Key, p => p.Balance!);
        Assert.Equal(Decisions(first), Decisions(again));
        Assert.Equal(Decisions(first), Decisions(shuffled));
        Assert.NotEqual(Decisions(first).Keys.Order(), Decisions(other).Keys.Order());
    }

    [Fact]
    public async Task After_losses_a_rebalance_over_the_survivors_refills_each_entry_from_its_reserve()
    {
        // Two entries, each matched by its own 100 pairs, t = 20 with 50% headroom: 20 kept + 10 reserve each.
        var (pool, counts) = Pool(200, 2, i => [i % 2]);
        var options = new BalancerOptions { Threshold = 20, ReserveFactor = 1.5, Seed = 4 };
        var first = await BalanceAsync(pool, counts, options);
        Assert.Equal(60, first.Count);
        Assert.Equal(new Dictionary<int, int> { [0] = 20, [1] = 20 }, KeptPerEntry(first));

        // Download and dedup lose 8 kept pairs of entry 0 and 3 of entry 1.
        var lost = first.Where(p => !p.Balance!.Reserve && p.Balance.Entry == 0).Take(8)
            .Concat(first.Where(p => !p.Balance!.Reserve && p.Balance.Entry == 1).Take(3)).Select(p => p.Key).ToHashSet();
        var survivors = first.Where(p => !lost.Contains(p.Key)).Select(p => p with { Balance = null }).ToList();
        var refilled = await BalanceAsync(survivors, counts, options, withReserve: false);

        Assert.Equal(new Dictionary<int, int> { [0] = 20, [1] = 20 }, KeptPerEntry(refilled));
        Assert.DoesNotContain(refilled, p => p.Balance!.Reserve);
        var keptBefore = first.Where(p => !p.Balance!.Reserve && !lost.Contains(p.Key)).Select(p => p.Key);
        Assert.Subset(refilled.Select(p => p.Key).ToHashSet(), keptBefore.ToHashSet());

        // The places of lost pairs went to the best-ranked reserves of the same entry.
        var reserveTaken = refilled.Select(p => p.Key).Except(keptBefore).ToList();
        Assert.Equal(11, reserveTaken.Count);
        Assert.All(reserveTaken, key => Assert.True(first.Single(p => p.Key == key).Balance!.Reserve));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(60, true)]
    [InlineData(400, true)]
    [InlineData(400, false)]
    [InlineData(1_500, false)]
    public async Task Exact_mode_in_bands_spilled_to_disk_chooses_exactly_what_one_band_in_memory_chooses(long bandRows, bool withReserve)
    {
        // 200 entries, t = 40 with half again in reserve: windows of up to 60 pairs, about 4,000 ranked in all.
        var (pool, counts) = ZipfPool(8000, 200, seed: 5);
        var options = new BalancerOptions { Threshold = 40, ReserveFactor = 1.5, Seed = 17 };
        if (!withReserve)
        {
            // A refill: the survivors of a first balance, less every seventh.
            pool = [.. (await BalanceAsync(pool, counts, options)).Where((_, i) => i % 7 != 0).Select(p => p with { Balance = null })];
        }

        var inMemory = new EntryBalancer(options, counts);
        var expected = await BalanceAsync(pool, counts, options, withReserve, inMemory);
        using var spill = new TemporaryFolder("balance-spill");
        var banded = new EntryBalancer(options with { BandRows = bandRows }, counts, spill.Combine("spill"));
        var actual = await BalanceAsync(pool, counts, options, withReserve, banded);

        Assert.Equal(1, inMemory.Bands);
        Assert.True(banded.Bands > 3, $"only {banded.Bands} bands");
        Assert.Equal(expected.Select(p => (p.Key, p.Balance)), actual.Select(p => (p.Key, p.Balance)));
        Assert.False(Directory.Exists(spill.Combine("spill")), "the spill folder is left behind");

        // Memory: ranking holds at most BandRows rows per core (more are sorted in runs on disk), even for a refill,
        // whose window is unbounded and whose head entries rank more survivors than that; assignment holds a band's
        // decisions (one entry's when it is alone in its band) and an inbox bounded by what the rarer bands took.
        var bound = Math.Max(Math.Max(bandRows, BandRanker.MinSortRows) * Environment.ProcessorCount, Math.Max(bandRows, options.WithReserve));
        Assert.True(withReserve || Enumerable.Range(0, 200).Max(e => counts[e]) > bandRows, "no entry heavier than a band");
        Assert.True(banded.PeakHeldRows <= bound, $"{banded.PeakHeldRows} ranked pairs held at once, more than {bound}");
        Assert.InRange(banded.PeakInboxRows, 1, expected.Count);
        Assert.True(banded.PeakHeldRows * 2 < inMemory.PeakHeldRows, $"banded held {banded.PeakHeldRows} pairs at once, in memory {inMemory.PeakHeldRows}");
    }

    /// <summary>Ranks bands through the library's ranker as another worker would, recording what it was given.</summary>
    private sealed class RecordingRanker : IBandRankRunner
    {
        public System.Collections.Concurrent.ConcurrentBag<int> Bands { get; } = [];

        public Task<long> RankAsync(BandRankItem item, CancellationToken cancellationToken)
        {
            Bands.Add(item.Band);
            return new BandRanker().RankAsync(item, cancellationToken);
        }
    }

    [Fact]
    public async Task Bands_ranked_as_work_items_by_a_runner_choose_what_one_band_in_memory_chooses()
    {
        var (pool, counts) = ZipfPool(8000, 200, seed: 6);
        var options = new BalancerOptions { Threshold = 40, ReserveFactor = 1.5, Seed = 2 };
        var expected = await BalanceAsync(pool, counts, options);
        using var spill = new TemporaryFolder("balance-spill");
        var ranker = new RecordingRanker();
        var banded = new EntryBalancer(options with { BandRows = 300 }, counts, spill.Combine("spill"), ranker, rankParallel: 3);
        var actual = await BalanceAsync(pool, counts, options, balancer: banded);

        Assert.Equal(expected.Select(p => (p.Key, p.Balance)), actual.Select(p => (p.Key, p.Balance)));
        Assert.Equal(banded.Bands, ranker.Bands.Count);
        Assert.Equal(Enumerable.Range(0, banded.Bands), ranker.Bands.Order());
        Assert.InRange(banded.PeakHeldRows, 1, Math.Max(300, options.WithReserve));
    }

    [Fact]
    public async Task A_band_ranked_in_many_sorted_runs_merged_in_rounds_ranks_as_one_sort_in_memory_does()
    {
        // One band of three entries and 60,000 scattered rows, ranked with a window and with none (as in a refill):
        // a budget of 256 rows makes 235 runs, merged in rounds of 64.
        using var folder = new TemporaryFolder("band-rank");
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 60_000).Select(i => (Entry: ThreeEntries[rng.Next(3)], Priority: (ulong)rng.NextInt64(1000), Ordinal: (long)i)).ToList();
        async Task<(List<(int, int[])> Ranked, long Held)> RankAsync(string name, long sortRows, int window)
        {
            var spill = Directory.CreateDirectory(Path.Combine(folder.Path, name)).FullName;
            await using (var writer = new BinaryWriter(File.Create(BandRankItem.PathOf(spill, "rows", 0))))
            {
                foreach (var (entry, priority, ordinal) in rows)
                {
                    writer.Write(entry);
                    writer.Write(priority);
                    writer.Write(ordinal);
                }
            }

            await using (var writer = new BinaryWriter(File.Create(BandRankItem.PathOf(spill, "entries", 0))))
            {
                writer.Write(3);
                foreach (var entry in Enumerable.Reverse(ThreeEntries))
                {
                    writer.Write(entry);
                }
            }

            long held = 0, most = 0;
            await new BandRanker(rows => most = Math.Max(most, held += rows)).RankAsync(new BandRankItem(spill, 0, window, sortRows), CancellationToken.None);
            var ranked = new List<(int, int[])>();
            using var reader = new BinaryReader(File.OpenRead(BandRankItem.PathOf(spill, "ranked", 0)));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                var entry = reader.ReadInt32();
                ranked.Add((entry, [.. Enumerable.Range(0, reader.ReadInt32()).Select(_ => (int)reader.ReadInt64())]));
            }

            Assert.Single(Directory.GetFiles(spill, "ranked-*"));
            Assert.Equal(0, held);
            return (ranked, most);
        }

        foreach (var window in new[] { 500, int.MaxValue })
        {
            var (inMemory, heldInMemory) = await RankAsync($"memory-{window}", 1_000_000, window);
            var (inRuns, heldInRuns) = await RankAsync($"runs-{window}", 256, window);
            Assert.Equal(Enumerable.Reverse(ThreeEntries), inMemory.Select(r => r.Item1));
            Assert.Equal(inMemory.Select(r => r.Item2), inRuns.Select(r => r.Item2));
            var expected = rows.Where(r => r.Entry == 11).OrderBy(r => r.Priority).ThenBy(r => r.Ordinal).Take(window).Select(r => (int)r.Ordinal);
            Assert.Equal(expected, inRuns[0].Item2);
            Assert.Equal((60_000, 256), (heldInMemory, heldInRuns));
        }
    }

    [Fact]
    public async Task A_pool_that_changes_between_the_passes_of_a_banded_balance_is_refused()
    {
        var (pool, counts) = ZipfPool(2000, 40, seed: 8);
        using var spill = new TemporaryFolder("balance-spill");
        var balancer = new EntryBalancer(new BalancerOptions { Threshold = 20, Seed = 1, BandRows = 50 }, counts, spill.Combine("spill"));
        var opened = 0;
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in balancer.BalanceAsync(_ => (Interlocked.Increment(ref opened) == 1 ? pool : pool.Take(1500)).ToAsyncEnumerable(), withReserve: true, CancellationToken.None))
            {
            }
        });
        Assert.Contains("2000 pairs in the first pass and 1500 in the second", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(spill.Combine("spill")));
    }

    [Fact]
    public async Task MetaClip_mode_keeps_about_t_over_count_of_each_entry_and_all_of_the_tail()
    {
        // Entry 0: 10,000 pairs; entry 1: 50; t = 500.
        var (pool, counts) = Pool(10_050, 2, i => i < 10_000 ? [0] : [1]);
        var options = new BalancerOptions { Mode = BalanceMode.MetaClip, Threshold = 500, ReserveFactor = 1.2, Seed = 1 };
        var balanced = await BalanceAsync(pool, counts, options);
        var kept = KeptPerEntry(balanced);

        // Binomial(10000, 0.05): sd 21.8; 5 sd either side.
        Assert.InRange(kept[0], 390, 610);
        Assert.Equal(50, kept[1]);
        var reserve = balanced.Count(p => p.Balance!.Reserve);
        Assert.InRange(reserve, 100 - 50, 100 + 50);
        Assert.All(balanced.Where(p => p.Balance!.Entry == 0), p => Assert.Equal(0.05, p.Balance!.KeepProbability, 12));
    }

    [Fact]
    public async Task Counts_that_do_not_cover_a_matched_entry_are_refused()
    {
        var (pool, _) = Pool(10, 3, i => [i % 3]);
        var wrong = new EntryCounts(2);
        wrong.Add(0, 4);
        wrong.Add(1, 3);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BalanceAsync(pool, wrong, new BalancerOptions { Threshold = 1 }));
        Assert.Contains("entry 2", error.Message, StringComparison.Ordinal);
    }
}
