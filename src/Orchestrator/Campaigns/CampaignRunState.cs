namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Whether a campaign is moving.</summary>
public enum CampaignRunState
{
    /// <summary>Never started.</summary>
    None,

    /// <summary>Moving through its stages.</summary>
    Running,

    /// <summary>Stopped by the user; <c>resume</c> continues the current stage.</summary>
    Paused,

    /// <summary>Stopped for good by the user.</summary>
    Cancelled,

    /// <summary>A stage failed; <c>resume</c> retries it.</summary>
    Failed,

    /// <summary>Every stage is done.</summary>
    Completed,
}
