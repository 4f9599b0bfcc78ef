namespace Pipeline.Orchestrator.Hosting;

/// <summary>Where the number of a port a silo listens on came from.</summary>
public enum PortOrigin
{
    /// <summary>A flag, the configuration file or a <c>PIPELINE_</c> environment variable set it.</summary>
    Configured,

    /// <summary>Nothing set it and the silo joins a distributed cluster, so it is the documented default.</summary>
    Default,

    /// <summary>Nothing set it (or it was set to 0), so a free one was picked at start.</summary>
    Picked,
}
