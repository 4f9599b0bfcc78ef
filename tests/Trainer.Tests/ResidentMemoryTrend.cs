using System.Globalization;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// How resident memory moved over training steps, read so that a leak fails and a one-off jump does not: a leak
/// adds memory in every stretch of steps, while the allocator or libtorch growing a pool once (seen in CI: +25 MB
/// between steps 400 and 500, flat before and after) adds it in one. The verdict is the median growth per stretch.
/// </summary>
internal sealed record ResidentMemoryTrend(IReadOnlyList<double> GrowthMb, double MedianMb, double TotalMb, int Stretch)
{
    /// <summary>The growth of every <paramref name="stretch"/> steps from step <paramref name="from"/> to <paramref name="to"/>, from RSS samples indexed by step.</summary>
    public static ResidentMemoryTrend Of(long[] resident, int from, int to, int stretch)
    {
        var growth = new List<double>();
        for (var step = from; step + stretch <= to; step += stretch)
        {
            growth.Add((resident[step + stretch] - resident[step]) / (double)(1 << 20));
        }

        var sorted = growth.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return new ResidentMemoryTrend(growth, median, (resident[to] - resident[from]) / (double)(1 << 20), stretch);
    }

    /// <summary>The median growth per step, in KB.</summary>
    public double MedianKbPerStep => MedianMb * 1024 / Stretch;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"growth per {Stretch} steps: {string.Join(", ", GrowthMb.Select(g => g.ToString("0.0", CultureInfo.InvariantCulture)))} MB (median {MedianMb:0.0} MB, {MedianKbPerStep:0.0} KB a step; {TotalMb:0} MB in all)");
}
