using System.Diagnostics;
using System.Text.Json;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// Manifest commits into a local store at several manifest sizes: the segmented manifest against, in the same run,
/// the design it replaced (the whole manifest read, extended and rewritten by every commit). Time per commit at each N
/// and the growth exponent of the total.
/// </summary>
internal static class ManifestBenchmarks
{
    private const int BaselineLimit = 4_000;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static async Task RunAsync(IReadOnlyList<int> sizes)
    {
        var segmented = new List<(double N, double Seconds)>();
        var whole = new List<(double N, double Seconds)>();
        foreach (var n in sizes)
        {
            using var folder = new TemporaryFolder("bench-manifest");
            var manifests = new ManifestStore(new LocalFolderStore(folder.Combine("segmented")));
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                await manifests.CommitAsync(Entry(i), "jpg", CancellationToken.None);
            }

            var seconds = clock.Elapsed.TotalSeconds;

            // The last 500 commits alone: what one commit costs once the store holds N shards.
            var last = await TimeLastCommitsAsync(manifests, n);
            double? baseline = null;
            if (n <= BaselineLimit)
            {
                var baselineStore = new LocalFolderStore(folder.Combine("whole"));
                clock.Restart();
                for (var i = 0; i < n; i++)
                {
                    await CommitWholeAsync(baselineStore, Entry(i));
                }

                baseline = clock.Elapsed.TotalSeconds;
                whole.Add((n, baseline.Value));
            }

            segmented.Add((n, seconds));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "manifest-commit",
                shards = n,
                segment_size = ManifestStore.DefaultSegmentSize,
                us_per_commit = Math.Round(seconds * 1e6 / n, 1),
                us_per_commit_at_n = Math.Round(last * 1e6, 1),
                baseline = n <= BaselineLimit ? "the whole manifest read, extended and rewritten per commit (the design it replaced)" : $"not run above {BaselineLimit} shards (quadratic)",
                baseline_us_per_commit = baseline is { } b ? Math.Round(b * 1e6 / n, 1) : (double?)null,
                ratio = baseline is { } r ? Math.Round(r / seconds, 3) : (double?)null,
            }));
        }

        if (sizes.Count > 1)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "manifest-commit-growth",
                total_time_exponent = Growth.Exponent(segmented),
                baseline_total_time_exponent = whole.Count > 1 ? Growth.Exponent(whole) : (double?)null,
            }));
        }
    }

    private static async Task<double> TimeLastCommitsAsync(ManifestStore manifests, int n)
    {
        const int Commits = 500;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Commits; i++)
        {
            await manifests.CommitAsync(Entry(n + i), "jpg", CancellationToken.None);
        }

        return clock.Elapsed.TotalSeconds / Commits;
    }

    private static ShardEntry Entry(int i) =>
        new($"part-{i:D6}", $"shards/part-{i:D6}.0123456789ab.parquet", 10_000, 40 << 20, new string('a', 64), DateTimeOffset.UnixEpoch.AddSeconds(i),
            [.. Enumerable.Range(0, 2).Select(g => new RowGroupEntry(4 + (g * (20L << 20)), 20L << 20, 5000, "0123456789abcdef"))], new ByteRange(40L << 20, 4096, "00112233aabbccdd"));

    private static async Task CommitWholeAsync(LocalFolderStore store, ShardEntry entry)
    {
        while (true)
        {
            var current = await store.ReadVersionedAsync("manifest.json", CancellationToken.None);
            var shards = current is null ? [] : JsonSerializer.Deserialize<List<ShardEntry>>(current.Content, Json)!;
            shards.Add(entry);
            if (await store.TryReplaceAsync("manifest.json", JsonSerializer.SerializeToUtf8Bytes(shards, Json), current?.Version, CancellationToken.None))
            {
                return;
            }
        }
    }
}
