namespace Pipeline.Benchmarks;

/// <summary>What one child process cost, read from /proc while it ran.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="WallSeconds">From start to exit.</param>
/// <param name="CpuSeconds">User plus system time (the last reading before it exited; polled every 20 ms).</param>
/// <param name="PeakRssBytes">VmHWM, the kernel's high-water mark of its resident memory (last reading before exit).</param>
/// <param name="IoWriteBytes">Bytes it sent to storage (/proc io <c>write_bytes</c>, spilled runs removed later included).</param>
/// <param name="Output">Its standard output.</param>
internal sealed record ChildRun(int ExitCode, double WallSeconds, double CpuSeconds, long PeakRssBytes, long IoWriteBytes, string Output)
{
    /// <summary>Throws unless it exited with 0; <paramref name="what"/> names it in the message.</summary>
    public void EnsureSucceeded(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} exited with {ExitCode}");
        }
    }
}
