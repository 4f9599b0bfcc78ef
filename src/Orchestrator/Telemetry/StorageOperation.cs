namespace Pipeline.Orchestrator.Telemetry;

/// <summary>A kind of grain-state storage operation.</summary>
public enum StorageOperation
{
    /// <summary>A state read (on activation, or asked for).</summary>
    Read,

    /// <summary>A state write.</summary>
    Write,

    /// <summary>A state clear.</summary>
    Clear,
}
