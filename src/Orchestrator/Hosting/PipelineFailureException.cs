namespace Pipeline.Orchestrator.Hosting;

/// <summary>The work ran and failed (a stage produced nothing from its input); the message is shown to the user as is, exit 1.</summary>
public sealed class PipelineFailureException : Exception
{
    public PipelineFailureException()
    {
    }

    public PipelineFailureException(string message)
        : base(message)
    {
    }

    public PipelineFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
