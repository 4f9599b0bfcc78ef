using Pipeline.Sharding.Progress;

namespace Pipeline.Orchestrator.Cli;

/// <summary>How every command reports a stage's progress: one <c>stage: message</c> line on standard error per report.</summary>
public sealed class ConsoleProgress : IProgress<StageProgress>
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly ConsoleProgress Instance = new();

    private ConsoleProgress()
    {
    }

    /// <inheritdoc/>
    public void Report(StageProgress value) => Console.Error.WriteLine(value);
}
