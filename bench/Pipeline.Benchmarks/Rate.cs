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
}
