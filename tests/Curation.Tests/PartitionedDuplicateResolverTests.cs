using System.Numerics;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Jobs;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

public sealed class PartitionedDuplicateResolverTests
{
    /// <summary>
    /// Shards of signatures full of every kind of duplicate: the same URL and caption, the same image and caption,
    /// equal and near perceptual hashes (chains of them), undecodable images, ties in pixels and keys.
    /// </summary>
    private static List<List<SampleSignature>> Shards(int shards, int perShard, int seed)
    {
        var random = new Random(seed);
        var bases = Enumerable.Range(0, perShard * shards / 6).Select(_ => (ulong)random.NextInt64()).ToArray();
        var result = new List<List<SampleSignature>>();
        for (var s = 0; s < shards; s++)
        {
            var shard = new List<SampleSignature>();
            for (var row = 0; row < perShard; row++)
            {
                var hash = bases[random.Next(bases.Length)];
                for (var flips = random.Next(4) == 0 ? random.Next(1, 12) : 0; flips > 0; flips--)
                {
                    hash ^= 1UL << random.Next(64);
                }

                // Most samples of a base hash show one picture (slightly varied); some another picture, which verification rejects.
                var picture = random.Next(5) == 0 ? random.Next() : (int)(hash >> 40);
                var decodable = random.Next(40) != 0;
                shard.Add(new SampleSignature(
                    row,
                    $"k{random.Next(perShard * shards / 2):D6}",
                    (UInt128)(ulong)random.Next(perShard * shards / 3),
                    (UInt128)(ulong)random.Next(perShard * shards / 3) << 64,
                    decodable ? hash : null,
                    decodable ? hash : null,
                    random.Next(1, 5) * 1000L,
                    "broken",
                    decodable && random.Next(10) != 0 ? Picture(picture, random) : null));
            }

            result.Add(shard);
        }

        return result;
    }

    private static ImageFingerprint Picture(int picture, Random noise)
    {
        var colour = new byte[ImageFingerprint.ColourLength];
        var grey = new byte[ImageFingerprint.GreyLength];
        var chroma = new byte[ImageFingerprint.ChromaLength];
        var source = new Random(picture);
        source.NextBytes(colour);
        source.NextBytes(grey);
        source.NextBytes(chroma);
        grey[noise.Next(grey.Length)] ^= 8;
        return new ImageFingerprint(100, 80, colour, grey, chroma);
    }

    private static List<NearPair> PairsWithin(ulong[] hashes, int maxDistance)
    {
        var pairs = new List<NearPair>();
        for (var a = 0; a < hashes.Length; a++)
        {
            for (var b = a + 1; b < hashes.Length; b++)
            {
                var d = BitOperations.PopCount(hashes[a] ^ hashes[b]);
                if (d <= maxDistance)
                {
                    pairs.Add(new NearPair(a, b, d));
                }
            }
        }

        return pairs;
    }

    private static (ulong[] Hashes, List<List<DedupDecision>> Decisions, int NearGroups, long Verified, long Rejected) Resolve(IDuplicateResolver resolver, List<List<SampleSignature>> shards, bool near)
    {
        foreach (var shard in shards)
        {
            resolver.AddShard(shard);
        }

        resolver.ResolveExact();
        using var stream = new MemoryStream();
        resolver.WriteDistinctHashes(stream);
        stream.Position = 0;
        var hashes = NearPairFile.ReadHashes(stream, "hashes");
        Assert.Equal(resolver.DistinctHashCount, hashes.Length);
        if (near)
        {
            resolver.ResolveNear(PairsWithin(hashes, 8));
        }

        return (hashes, [.. resolver.DecisionsByShard().Select(d => d.ToList())], resolver.NearGroups, resolver.NearVerified, resolver.NearRejected);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Partitioned_resolution_drops_exactly_what_the_in_memory_one_drops_in_a_fraction_of_the_memory(bool near)
    {
        var shards = Shards(shards: 7, perShard: 400, seed: near ? 3 : 4);
        var verifier = new DedupOptions().Verifier();
        using var inMemory = new DuplicateResolver(verifier, maxComparisons: 4);
        var expected = Resolve(inMemory, shards, near);

        using var spill = new TemporaryFolder("dedup-spill");
        var folder = spill.Combine("partitions");
        PartitionedDuplicateResolver partitioned;
        (ulong[] Hashes, List<List<DedupDecision>> Decisions, int NearGroups, long Verified, long Rejected) actual;
        using (partitioned = new PartitionedDuplicateResolver(folder, partitionRows: 250, expectedSamples: 2800, verifier, maxComparisons: 4))
        {
            actual = Resolve(partitioned, shards, near);
            Assert.Equal(12, partitioned.Partitions);
        }

        Assert.Equal(expected.Hashes, actual.Hashes);
        Assert.Equal(expected.NearGroups, actual.NearGroups);
        Assert.Equal(expected.Verified, actual.Verified);
        Assert.Equal(expected.Rejected, actual.Rejected);
        Assert.Equal(7, actual.Decisions.Count);
        for (var s = 0; s < 7; s++)
        {
            Assert.Equal(expected.Decisions[s], actual.Decisions[s]);
        }

        // Every kind of drop happened, so every step was compared.
        var reasons = expected.Decisions.SelectMany(d => d).GroupBy(d => d.Reason).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(reasons.Keys.Count == (near ? 4 : 3), string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}")));
        if (near)
        {
            Assert.Contains(expected.Decisions.SelectMany(d => d), d => d.Reason == DedupReason.NearDuplicate && d.Distance > 0);
            Assert.Contains(expected.Decisions.SelectMany(d => d), d => d.Reason == DedupReason.NearDuplicate && d.Detail!.StartsWith("colour ", StringComparison.Ordinal));
            Assert.Contains(expected.Decisions.SelectMany(d => d), d => d.Reason == DedupReason.NearDuplicate && d.Detail!.StartsWith("hash only", StringComparison.Ordinal));
            Assert.True(expected.Rejected > 0 && expected.Verified > expected.Rejected, $"{expected.Verified} pairs verified, {expected.Rejected} rejected");
        }

        // The in-memory resolver holds all 2,800 samples; the partitioned one about a partition's at a time.
        Assert.True(partitioned.PeakHeldRows < 2800 / 4, $"{partitioned.PeakHeldRows} samples held at once");
        Assert.False(Directory.Exists(folder), "the spill folder is left behind");
    }
}
