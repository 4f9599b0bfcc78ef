using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pipeline.Benchmarks;

/// <summary>
/// Runs one stage as a child process and measures it from /proc/PID every 20 ms until it exits: VmHWM (a high-water
/// mark, so the last reading is the peak), utime + stime, and write_bytes. A separate process per stage is what makes
/// the peak resident memory a stage's own. Its standard error and output are echoed to ours, prefixed with the stage.
/// </summary>
internal static class ChildProcessMeter
{
    // USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100.0;

    public static async Task<ChildRun> RunAsync(string stage, IReadOnlyList<string> command, string workingDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        await Console.Error.WriteLineAsync($"scale: {stage}: {string.Join(' ', command.Select(Path.GetFileName).Take(1).Concat(command.Skip(1)))}");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                Console.Error.WriteLine($"  [{stage}] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  [{stage}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        long peak = 0, written = 0;
        double cpu = 0;
        var exited = process.WaitForExitAsync(CancellationToken.None);
        while (!exited.IsCompleted)
        {
            peak = Math.Max(peak, ReadHighWaterMark(process.Id) ?? 0);
            cpu = ReadCpuSeconds(process.Id) ?? cpu;
            written = ReadWriteBytes(process.Id) ?? written;
            if (cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await exited;
                cancellationToken.ThrowIfCancellationRequested();
            }

            await Task.WhenAny(exited, Task.Delay(20, CancellationToken.None));
        }

        await exited;
        var wall = clock.Elapsed.TotalSeconds;
        lock (output)
        {
            return new ChildRun(process.ExitCode, wall, cpu, peak, written, output.ToString());
        }
    }

    private static string? ReadProc(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{file}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process exited between two readings: the previous reading stands.
            return null;
        }
    }

    /// <summary>VmHWM of a live process: the kernel's high-water mark of its resident memory.</summary>
    public static long? ReadHighWaterMark(int pid) => Field(ReadProc(pid, "status"), "VmHWM:") is { } kb ? kb * 1024 : null;

    private static long? ReadWriteBytes(int pid) => Field(ReadProc(pid, "io"), "write_bytes:");

    private static double? ReadCpuSeconds(int pid)
    {
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 14th field, stime the 15th.
        var stat = ReadProc(pid, "stat");
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0)
        {
            return null;
        }

        var fields = stat[(end + 2)..].Split(' ');
        return fields.Length > 12 && long.TryParse(fields[11], CultureInfo.InvariantCulture, out var user) && long.TryParse(fields[12], CultureInfo.InvariantCulture, out var system)
            ? (user + system) / TicksPerSecond
            : null;
    }

    private static long? Field(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                var digits = new string([.. line.AsSpan(name.Length).ToArray().Where(char.IsAsciiDigit)]);
                return long.TryParse(digits, CultureInfo.InvariantCulture, out var value) ? value : null;
            }
        }

        return null;
    }
}
