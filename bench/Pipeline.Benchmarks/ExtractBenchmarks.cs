using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Crawler.Candidates;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// The campaign extract's partition writer (sorted runs spilled to disk) at several pool sizes, against the design it
/// replaced in the same run: every candidate in one sorted dictionary, then the partitions written. Reports time per
/// candidate, the peak managed heap of each, and the growth exponent of both over N.
/// </summary>
internal static class ExtractBenchmarks
{
    private const int Partitions = 16;
    private const int SpillAfter = 200_000;

    public static async Task RunAsync(IReadOnlyList<int> sizes)
    {
        var spilled = new List<(int N, double Seconds, long Peak)>();
        var inMemory = new List<(int N, double Seconds, long Peak)>();
        foreach (var n in sizes)
        {
            using var folder = new TemporaryFolder("bench-extract");
            var writer = await MeasureAsync(n, async candidates =>
            {
                using var partitions = new CandidatePartitionWriter(folder.Combine("spilled"), Partitions, SpillAfter);
                foreach (var c in candidates)
                {
                    await partitions.AddAsync(c, CancellationToken.None);
                }

                await partitions.CompleteAsync(CancellationToken.None);
            });
            var baseline = await MeasureAsync(n, async candidates =>
            {
                var byKey = new SortedDictionary<string, CandidateLine>(StringComparer.Ordinal);
                foreach (var c in candidates)
                {
                    byKey.TryAdd(c.Key, CandidateLine.From(c));
                }

                Directory.CreateDirectory(folder.Combine("memory"));
                for (var p = 0; p < Partitions; p++)
                {
                    var lines = byKey.Values.Where(c => CandidatePartitionWriter.PartitionOf(c.Key, Partitions) == p).Select(c => c.ToJson());
                    await File.WriteAllLinesAsync(folder.Combine("memory", $"part-{p:D4}.jsonl"), lines);
                }
            });
            spilled.Add((n, writer.Seconds, writer.Peak));
            inMemory.Add((n, baseline.Seconds, baseline.Peak));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "extract-partitions",
                candidates = n,
                spill_after = SpillAfter,
                us_per_candidate = Math.Round(writer.Seconds * 1e6 / n, 2),
                peak_heap_mb = Math.Round(writer.Peak / 1048576.0, 1),
                baseline = "all candidates in one sorted dictionary, then the partitions (the design it replaced)",
                baseline_us_per_candidate = Math.Round(baseline.Seconds * 1e6 / n, 2),
                baseline_peak_heap_mb = Math.Round(baseline.Peak / 1048576.0, 1),
                ratio = Math.Round(baseline.Seconds / writer.Seconds, 3),
            }));
        }

        if (sizes.Count > 1)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "extract-partitions-growth",
                time_exponent = Growth.Exponent(spilled.Select(s => ((double)s.N, s.Seconds))),
                peak_heap_exponent = Growth.Exponent(spilled.Select(s => ((double)s.N, (double)s.Peak))),
                baseline_time_exponent = Growth.Exponent(inMemory.Select(s => ((double)s.N, s.Seconds))),
                baseline_peak_heap_exponent = Growth.Exponent(inMemory.Select(s => ((double)s.N, (double)s.Peak))),
            }));
        }
    }

    /// <summary>Generated candidates: Zipf-ish repeats (a tenth of the pool seen twice), web-like URLs and captions.</summary>
    private static IEnumerable<ImageCandidate> Candidates(int n)
    {
        var random = new Random(n);
        for (var i = 0; i < n; i++)
        {
            var id = i % 10 == 9 ? random.Next(Math.Max(1, i)) : i;
            yield return new ImageCandidate(
                string.Create(CultureInfo.InvariantCulture, $"https://img{id % 997}.example.org/photos/{id:D9}/large.jpg"),
                string.Create(CultureInfo.InvariantCulture, $"a photo of item {id} on a wooden table, taken in the evening light"),
                string.Create(CultureInfo.InvariantCulture, $"https://site{id % 997}.example.org/page/{id / 7}"),
                TextSource.Alt);
        }
    }

    /// <summary>Runs <paramref name="work"/> over <paramref name="n"/> candidates; wall time and the peak managed heap, sampled every 50 ms.</summary>
    private static async Task<(double Seconds, long Peak)> MeasureAsync(int n, Func<IEnumerable<ImageCandidate>, Task> work)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var floor = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes - floor);
                peak = Math.Max(peak, GC.GetTotalMemory(false) - floor);
                await Task.Delay(50, CancellationToken.None);
            }
        });
        var clock = Stopwatch.StartNew();
        await work(Candidates(n));
        var seconds = clock.Elapsed.TotalSeconds;
        peak = Math.Max(peak, GC.GetTotalMemory(false) - floor);
        await stop.CancelAsync();
        await sampler;
        return (seconds, peak);
    }
}
