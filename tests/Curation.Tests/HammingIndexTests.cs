using System.Numerics;
using Pipeline.Curation.Dedup;

namespace Pipeline.Curation.Tests;

public sealed class HammingIndexTests
{
    [Theory]
    [InlineData(5_000, 0, null)]
    [InlineData(5_000, 4, null)]
    [InlineData(5_000, 8, null)]
    [InlineData(5_000, 12, null)]
    [InlineData(2_000, 8, 16)]
    [InlineData(5_000, 8, 21)]
    [InlineData(5_000, 10, 21)]
    [InlineData(300, 10, null)]
    public void Search_finds_exactly_what_comparing_against_every_hash_finds(int count, int k, int? chunkBits)
    {
        var rng = new Random(count + k);
        var hashes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            // Half random, half copies of earlier hashes with a few flipped bits, so there are many near pairs.
            hashes[i] = i < count / 2 || rng.Next(2) == 0
                ? (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40)
                : Flip(hashes[rng.Next(i)], rng.Next(0, k + 3), rng);
        }

        var index = HammingIndex.Build(hashes, chunkBits);
        var found = new List<HammingMatch>();
        for (var q = 0; q < count; q += 7)
        {
            found.Clear();
            index.Search(hashes[q], k, found);
            var expected = Enumerable.Range(0, count).Where(i => BitOperations.PopCount(hashes[i] ^ hashes[q]) <= k).ToArray();
            Assert.Equal(expected, found.Select(m => m.Index).Order().ToArray());
            Assert.All(found, m => Assert.Equal(BitOperations.PopCount(hashes[m.Index] ^ hashes[q]), m.Distance));
        }
    }

    [Fact]
    public void Chunks_follow_the_size_of_the_index()
    {
        Assert.Equal(8, HammingIndex.Build(new ulong[10]).Chunks);
        Assert.Equal(4, HammingIndex.Build(new ulong[70_000]).Chunks);

        // From about 90k hashes on, chunks stay at least log2(n) bits wide (3 of 21-22 bits), so buckets do not fill up as n grows.
        Assert.Equal(3, HammingIndex.Build(new ulong[200_000]).Chunks);
        Assert.Equal(3, HammingIndex.Build(new ulong[2_000_000]).Chunks);
        Assert.True(HammingIndex.Build(new ulong[70_000]).MemoryBytes < 70_000 * 80);
    }

    private static ulong Flip(ulong hash, int bits, Random rng)
    {
        for (var b = 0; b < bits; b++)
        {
            hash ^= 1UL << rng.Next(64);
        }

        return hash;
    }
}
