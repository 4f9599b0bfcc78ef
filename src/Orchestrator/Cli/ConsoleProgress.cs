using Pipeline.Sharding.Progress;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// How every command reports a stage's progress: one <c>stage: message</c> line on standard error per report, or, on
/// a terminal, the live bars of <see cref="TerminalProgress"/>.
/// </summary>
public sealed class ConsoleProgress : IProgress<StageProgress>
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly ConsoleProgress Instance = new();

    private ConsoleProgress()
    {
    }

    /// <inheritdoc/>
    public void Report(StageProgress value)
    {
        if (TerminalProgress.Current is { } terminal)
        {
            terminal.Report(value);
        }
        else
        {
            Console.Error.WriteLine(value);
        }
    }
}
