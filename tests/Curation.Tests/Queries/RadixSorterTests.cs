using Pipeline.Curation.Queries;

namespace Pipeline.Curation.Tests.Queries;

public sealed class RadixSorterTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void Sorts_and_combines_like_a_comparison_sort_and_a_dictionary(int count)
    {
        var random = new Random(count);
        var keys = new long[count];
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            // Small dense ids in both halves, as pair keys are, plus some keys with high bits set.
            keys[i] = i % 7 == 0 ? random.NextInt64(long.MaxValue) : ((long)random.Next(300) << 32) | (uint)random.Next(300);
            values[i] = random.Next(1, 5);
        }

        var expected = keys.Zip(values).GroupBy(p => p.First).OrderBy(g => g.Key).Select(g => (g.Key, g.Sum(p => p.Second))).ToList();
        var distinct = RadixSorter.SortAndCombine(keys, values, count, new long[count], new long[count]);
        Assert.Equal(expected, keys.Take(distinct).Zip(values.Take(distinct)).ToList());
    }
}
