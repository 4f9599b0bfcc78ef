using System.Diagnostics;

namespace Pipeline.Benchmarks;

/// <summary>Times an async operation: a short warm-up, then <c>count</c> runs; returns operations per second.</summary>
internal static class Measure
{
    public static async Task<double> OpsPerSecondAsync(int count, Func<int, Task> operation)
    {
        for (var i = 0; i < Math.Min(20, count); i++)
        {
            await operation(-1 - i);
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await operation(i);
        }

        return Math.Round(count / clock.Elapsed.TotalSeconds, 1);
    }
}
