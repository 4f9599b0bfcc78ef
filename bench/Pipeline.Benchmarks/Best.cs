using System.Diagnostics;

namespace Pipeline.Benchmarks;

/// <summary>The best throughput over several timed runs, with the process CPU seconds of that run.</summary>
internal sealed class Best
{
    /// <summary>Best units per second so far.</summary>
    public double Value { get; private set; }

    /// <summary>Process CPU seconds (all threads) of the best run.</summary>
    public double CpuSeconds { get; private set; }

    public double Rounded => Math.Round(Value, 1);

    /// <summary>Runs <paramref name="operation"/> once, timed, and keeps it if it is the fastest so far.</summary>
    public async Task TimeAsync(double units, Func<Task> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await operation();
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var rate = units / seconds;
        if (rate > Value)
        {
            Value = rate;
            CpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        }
    }
}
