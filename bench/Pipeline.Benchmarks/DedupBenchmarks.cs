using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using NetVips;
using Pipeline.Curation.Dedup;

namespace Pipeline.Benchmarks;

/// <summary>
/// Perceptual hashing of 256-pixel JPEGs beside a plain full decode of the same files, on one thread; and
/// near-duplicate lookups in a multi-index Hamming index of millions of hashes beside a linear scan.
/// </summary>
internal static class DedupBenchmarks
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Run(int images, int indexSize, int maxDistance)
    {
        var jpegs = Enumerable.Range(0, images).Select(Photo).ToArray();

        // Warm both paths, then time each on one thread: the figure is per core.
        PerceptualHash.Compute(jpegs[0]);
        Decode(jpegs[0]);
        var hashing = PerSecond(images, i => PerceptualHash.Compute(jpegs[i]));
        var decoding = PerSecond(images, i => Decode(jpegs[i]));
        Console.WriteLine(new BenchResult("dedup.phash_per_s_per_core (256 px JPEG)", images, hashing, "plain NetVips full decode of the same JPEGs, one thread", decoding).ToJson());

        // An index of random hashes; queries are stored hashes with 0..k bits flipped, so every query has a hit.
        var rng = new Random(42);
        var hashes = new ulong[indexSize];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 33);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var index = HammingIndex.Build(hashes);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        const int queries = 20_000;
        var probes = new ulong[queries];
        for (var q = 0; q < queries; q++)
        {
            probes[q] = Flip(hashes[rng.Next(hashes.Length)], rng.Next(maxDistance + 1), rng);
        }

        var found = new List<HammingMatch>();
        long matches = 0;
        var lookups = PerSecond(queries, q =>
        {
            found.Clear();
            index.Search(probes[q], maxDistance, found);
            matches += found.Count;
        });

        // Linear scan: compare the query with every hash (what a naive dedup does per sample).
        const int scans = 50;
        var scanned = 0L;
        var linear = PerSecond(scans, q =>
        {
            foreach (var hash in hashes)
            {
                if (BitOperations.PopCount(hash ^ probes[q]) <= maxDistance)
                {
                    scanned++;
                }
            }
        });
        Console.WriteLine(new BenchResult($"dedup.near_lookups_per_s (n={indexSize:N0}, k={maxDistance}, one thread)", queries, lookups, "linear scan of every hash", linear).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(
            new
            {
                Bench = "dedup.index_memory",
                Hashes = indexSize,
                Chunks = index.Chunks,
                IndexBytesPerHash = Math.Round((double)index.MemoryBytes / indexSize, 1),
                ManagedHeapBytesPerHash = Math.Round((double)(after - before) / indexSize, 1),
                BuildSeconds = Math.Round(buildSeconds, 2),
                MatchesPerQuery = Math.Round((double)matches / queries, 2),
            },
            Json));
        GC.KeepAlive(index);
        GC.KeepAlive(scanned);
    }

    private static double PerSecond(int count, Action<int> operation)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            operation(i);
        }

        return count / clock.Elapsed.TotalSeconds;
    }

    private static void Decode(byte[] jpeg)
    {
        using var image = Image.NewFromBuffer(jpeg, access: Enums.Access.Sequential);
        image.Avg();
    }

    private static byte[] Photo(int seed)
    {
        var rng = new Random(seed);
        using var r = Image.Perlin(256, 256, cellSize: rng.Next(32, 128), uchar: true, seed: rng.Next());
        using var g = Image.Perlin(256, 256, cellSize: rng.Next(32, 128), uchar: true, seed: rng.Next());
        using var b = Image.Perlin(256, 256, cellSize: rng.Next(32, 128), uchar: true, seed: rng.Next());
        using var rgb = r.Bandjoin(g, b).Copy(interpretation: Enums.Interpretation.Srgb);
        return rgb.JpegsaveBuffer(q: 90);
    }

    private static ulong Flip(ulong hash, int bits, Random rng)
    {
        for (var i = 0; i < bits; i++)
        {
            hash ^= 1UL << rng.Next(64);
        }

        return hash;
    }
}
