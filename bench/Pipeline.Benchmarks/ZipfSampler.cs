using Pipeline.Sharding.Reading;

namespace Pipeline.Benchmarks;

/// <summary>Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^s, by binary search of the cumulative weights.</summary>
internal sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int n, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _cumulative = new double[n];
        var sum = 0.0;
        for (var rank = 0; rank < n; rank++)
        {
            sum += Math.Pow(rank + 1, -exponent);
            _cumulative[rank] = sum;
        }

        for (var rank = 0; rank < n; rank++)
        {
            _cumulative[rank] /= sum;
        }
    }

    public int Next(SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = (random.NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var index = Array.BinarySearch(_cumulative, u);
        return Math.Min(index >= 0 ? index : ~index, _cumulative.Length - 1);
    }
}
