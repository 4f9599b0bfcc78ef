namespace Pipeline.Orchestrator.Cli;

/// <summary>Process exit codes of the <c>pipeline</c> command.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work ran and something failed (a doctor check, a stage).</summary>
    public const int Failure = 1;

    /// <summary>The command line or configuration is wrong, or a configured resource cannot be used.</summary>
    public const int Configuration = 2;

    /// <summary>Interrupted by Ctrl+C or SIGTERM.</summary>
    public const int Interrupted = 130;
}
