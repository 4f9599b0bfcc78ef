namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>Where a training job stands.</summary>
public enum TrainingJobPhase
{
    /// <summary>Never started.</summary>
    None,

    /// <summary>Waiting for enough GPU slots.</summary>
    Waiting,

    /// <summary>Workers are training.</summary>
    Running,

    /// <summary>Rank 0 finished every step.</summary>
    Completed,

    /// <summary>Stopped by the user.</summary>
    Stopped,

    /// <summary>Gave up after too many restarts, or a worker failed on bad input.</summary>
    Failed,
}
