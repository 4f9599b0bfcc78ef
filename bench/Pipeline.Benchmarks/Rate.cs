using System.Diagnostics;

namespace Pipeline.Benchmarks;

/// <summary>Operations per wall-clock second and per CPU-second of this process.</summary>
internal readonly record struct Rate(double PerSecond, double PerCpuSecond)
{
    /// <summary>The rate of <paramref name="count"/> operations since <paramref name="clock"/> started and the process had used <paramref name="cpuAtStart"/>.</summary>
    public static Rate Since(int count, Stopwatch clock, Process process, TimeSpan cpuAtStart)
    {
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuAtStart).TotalSeconds;
        return new Rate(count / wall, count / cpu);
    }

    /// <summary>The median of each rate over <paramref name="rates"/> (an odd count gives a measured value).</summary>
    public static Rate Median(IReadOnlyList<Rate> rates) =>
        new(rates.Select(r => r.PerSecond).Order().ElementAt(rates.Count / 2), rates.Select(r => r.PerCpuSecond).Order().ElementAt(rates.Count / 2));
}
