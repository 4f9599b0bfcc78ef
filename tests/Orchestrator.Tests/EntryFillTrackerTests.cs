using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The incremental fill summary equals the one computed from scratch over every entry, read after read.</summary>
public sealed class EntryFillTrackerTests
{
    private const int T = 20;

    [Theory]
    [InlineData(300)]
    [InlineData(5_000)]
    public void Incremental_fill_equals_a_full_recount_after_every_chunk(int entries)
    {
        var random = new Random(entries);
        var state = new EntryCountersState
        {
            Entries = entries * 2,
            Threshold = T,
            Matched = Enumerable.Range(0, entries).ToDictionary(e => e * 2, _ => (long)random.Next(1, 60)),
        };
        var tracker = new EntryFillTracker(state);
        Assert.Equal(Recount(state), Describe(tracker.Fill()));
        for (var chunk = 0; chunk < 120; chunk++)
        {
            for (var pair = 0; pair < 100; pair++)
            {
                tracker.AddFetched(random.Next(entries) * 2);
            }

            tracker.AddHostErrors(Enumerable.Range(0, 5).Select(_ => random.Next(40)).Distinct().ToDictionary(h => $"host{h}.example", h => (long)(h % 7) + 1));
            var fill = tracker.Fill();
            Assert.Equal(Recount(state), Describe(fill));
            Assert.All(fill.ErrorsByHost, p => Assert.Equal(state.ErrorsByHost[p.Key], p.Value));
        }

        // Once the refill is done the fill counts the final samples.
        state.Final = state.Fetched.ToDictionary(p => p.Key, p => Math.Min(T, p.Value));
        var fresh = new EntryFillTracker(state);
        Assert.Equal(Recount(state), Describe(fresh.Fill()));
        Assert.True(fresh.Fill().Final);
    }

    // The top hosts by their totals: which of several hosts tied at the tenth place is listed may differ, the totals may not.
    private static string Describe(EntryFill fill) =>
        $"{fill.EntriesMatched} {fill.EntriesFetched} {fill.BelowTarget} [{string.Join(',', fill.RankedFetched)}] [{string.Join(',', fill.RankedMatched)}] " +
        $"[{string.Join(',', fill.ErrorsByHost.Values.OrderDescending())}]";

    /// <summary>The fill as the grain computed it before it kept it up to date: every entry and host, every read.</summary>
    private static string Recount(EntryCountersState s)
    {
        var filled = s.Final ?? s.Fetched;
        var below = s.Matched.Count(p => filled.GetValueOrDefault(p.Key) < Math.Min(s.Threshold, p.Value));
        return Describe(new EntryFill(
            s.Entries, s.Matched.Count, filled.Count, s.Threshold, below, RecountedCurve.Of(filled.Values), RecountedCurve.Of(s.Matched.Values), 0, 0,
            new Dictionary<string, long>(), s.ErrorsByHost.OrderByDescending(p => p.Value).Take(10).ToDictionary(p => p.Key, p => p.Value), []));
    }
}
