using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Runs the built <c>pipeline</c> program (the orchestrator's own output) as a child process.</summary>
internal static class PipelineExecutable
{
    private static readonly Lazy<string> Dll = new(Locate);

    /// <summary>The built <c>pipeline.dll</c>, for running it through another program (a pseudo-terminal, say).</summary>
    public static string DllPath => Dll.Value;

    /// <summary>Starts <c>dotnet pipeline.dll</c> with the arguments and extra environment variables.</summary>
    public static ManagedProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        ManagedProcess.Start("dotnet", [Dll.Value, .. arguments], environment);

    /// <summary>Runs to completion and returns the exit code with what it printed.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, int timeoutSeconds = 120)
    {
        using var process = Start(arguments, environment);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(timeoutSeconds));
        // Output events may trail the exit by a moment.
        await Task.Delay(100);
        return (exitCode, process.StandardOutput, process.StandardError);
    }

    // Tests run from artifacts/bin/Pipeline.Orchestrator.Tests/<configuration>/; the program is built beside them.
    private static string Locate()
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testDirectory.Name;
        var candidate = Path.Combine(testDirectory.Parent!.Parent!.FullName, "Pipeline.Orchestrator", configuration, "pipeline.dll");
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException($"the pipeline program was not built at {candidate}; build Pipeline.sln first");
    }
}
