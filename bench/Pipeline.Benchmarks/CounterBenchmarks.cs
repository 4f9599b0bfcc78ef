using System.Diagnostics;
using System.Text.Json;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// A dashboard read of a campaign's entry fill at several entry counts, with a fetched pair counted between reads:
/// the incremental tracker against, in the same run, the full recount over every entry the grain did before.
/// </summary>
internal static class CounterBenchmarks
{
    public static void Run(IReadOnlyList<int> sizes)
    {
        foreach (var n in sizes)
        {
            var random = new Random(n);
            var state = new EntryCountersState
            {
                Entries = n,
                Threshold = 20_000,
                Matched = Enumerable.Range(0, n).ToDictionary(e => e, _ => (long)Math.Max(1, 20_000 / (1 + random.Next(n)))),
            };
            var tracker = new EntryFillTracker(state);
            for (var i = 0; i < n; i++)
            {
                tracker.AddFetched(random.Next(n));
            }

            tracker.AddHostErrors(Enumerable.Range(0, 5_000).ToDictionary(h => $"host{h}.example", h => (long)(h % 97) + 1));
            var reads = ReadsPerSecond(() =>
            {
                tracker.AddFetched(random.Next(n));
                _ = tracker.Fill();
            });
            var recounts = ReadsPerSecond(() =>
            {
                var entry = random.Next(n);
                state.Fetched[entry] = state.Fetched.GetValueOrDefault(entry) + 1;
                _ = Recount(state);
            });
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "entry-fill-read",
                entries = n,
                reads_per_second = reads,
                us_per_read = Math.Round(1e6 / reads, 1),
                baseline = "the full recount over every entry and host per read (the design it replaced)",
                baseline_reads_per_second = recounts,
                ratio = Math.Round(reads / recounts, 3),
            }));
        }
    }

    private static double ReadsPerSecond(Action read)
    {
        for (var i = 0; i < 3; i++)
        {
            read();
        }

        var clock = Stopwatch.StartNew();
        var count = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            read();
            count++;
        }

        return Math.Round(count / clock.Elapsed.TotalSeconds, 1);
    }

    private static object Recount(EntryCountersState s)
    {
        var filled = s.Final ?? s.Fetched;
        var below = s.Matched.Count(p => filled.GetValueOrDefault(p.Key) < Math.Min(s.Threshold, p.Value));
        return (below, RecountedCurve.Of(filled.Values), RecountedCurve.Of(s.Matched.Values), s.ErrorsByHost.OrderByDescending(p => p.Value).Take(10).ToDictionary(p => p.Key, p => p.Value));
    }
}
