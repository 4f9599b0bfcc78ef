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
        var hashes = NearHashes(count, k, new Random(count + k));
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

    [Theory]
    [InlineData(5_000, 8, 30)]
    [InlineData(5_000, 8, 3_000)]
    [InlineData(20_000, 8, 2_000)]
    [InlineData(3_000, 12, 100)]
    [InlineData(2_000, 0, 50)]
    public void Slices_of_every_chunk_together_find_each_near_pair_once_as_comparing_every_pair_does(int count, int k, int indexRows)
    {
        var hashes = NearHashes(count, k, new Random(count + k + indexRows));
        var plan = NearPairSearchPlan.For(count, indexRows);
        Assert.True(count >> plan.SliceBits <= indexRows);
        var found = new List<(int, int, int)>();
        var matches = new List<HammingMatch>();
        var values = new uint[plan.Layout.Count];
        var largest = 0;
        for (var item = 0; item < plan.Items; item++)
        {
            var (chunk, sliceNumber) = plan.ItemAt(item);
            var slice = HammingSlice.Build(plan.Layout, chunk, plan.SliceBits, sliceNumber, [(0, hashes[..(count / 2)]), (count / 2, hashes[(count / 2)..])]);
            largest = Math.Max(largest, slice.Count);
            for (var q = 0; q < count; q++)
            {
                matches.Clear();
                plan.Layout.ValuesOf(hashes[q], values);
                slice.Search(hashes[q], values, k, matches);
                found.AddRange(matches.Where(m => q < m.Index).Select(m => (q, m.Index, m.Distance)));
            }
        }

        var expected = new List<(int, int, int)>();
        for (var a = 0; a < count; a++)
        {
            for (var b = a + 1; b < count; b++)
            {
                var distance = BitOperations.PopCount(hashes[a] ^ hashes[b]);
                if (distance <= k)
                {
                    expected.Add((a, b, distance));
                }
            }
        }

        Assert.NotEmpty(expected);
        Assert.Equal(expected, found.Order().ToList());
        Assert.Equal(plan.Items, NearPairSearchPlan.FromItems(count, plan.Items).Items);
        // Each slice holds about its share of the hashes, not all of them.
        Assert.True(plan.Slices == 1 || largest < (count * 3 / plan.Slices) + 16, $"largest slice {largest} of {count} in {plan.Slices}");
    }

    [Fact]
    public void A_plan_rebuilt_from_another_item_count_is_refused()
    {
        var plan = NearPairSearchPlan.For(1_000_000, 100_000, minItems: 4);
        Assert.Equal((3, 16), (plan.Layout.Count, plan.Slices));
        Assert.Equal((2, 15), plan.ItemAt(47));
        Assert.Throws<InvalidDataException>(() => NearPairSearchPlan.FromItems(1_000_000, 47));
        Assert.Equal(plan.SliceBits, NearPairSearchPlan.FromItems(1_000_000, 48).SliceBits);
    }

    /// <summary>Half random hashes, half copies of earlier ones with up to k + 2 flipped bits, so there are many near pairs.</summary>
    private static ulong[] NearHashes(int count, int k, Random rng)
    {
        var hashes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            hashes[i] = i < count / 2 || rng.Next(2) == 0
                ? (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40)
                : Flip(hashes[rng.Next(i)], rng.Next(0, k + 3), rng);
        }

        return hashes;
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
