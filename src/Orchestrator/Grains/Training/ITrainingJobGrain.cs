namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>
/// A training job: places one worker per GPU slot on gpu silos (CPU workers on any silo when the cluster has none),
/// serves the collectives' rendezvous, watches heartbeats, and restarts every worker from the last checkpoint when one dies.
/// </summary>
[Alias("pipeline.training-job")]
public interface ITrainingJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job; starting a running or finished job with the same spec changes nothing.</summary>
    [Alias("start")]
    Task<TrainingJobStatus> Start(TrainingJobSpec spec);

    /// <summary>Stops every worker; the last checkpoint stays.</summary>
    [Alias("stop")]
    Task<TrainingJobStatus> Halt();

    /// <summary>Stops every worker and forgets the job (its checkpoints stay on disk), for a campaign replaced under the same name.</summary>
    [Alias("forget")]
    Task Forget();

    /// <summary>The job's status.</summary>
    [Alias("status")]
    Task<TrainingJobStatus> GetStatus();

    /// <summary>A worker's heartbeat; false tells a worker of an older attempt to stop.</summary>
    [Alias("heartbeat")]
    Task<bool> Heartbeat(TrainingHeartbeat heartbeat);

    /// <summary>A worker finished every step.</summary>
    [Alias("completed")]
    Task Completed(int attempt, int rank, TrainingHeartbeat last);

    /// <summary>A worker stopped on an error; the job restarts from its last checkpoint.</summary>
    [Alias("failed")]
    Task Failed(int attempt, int rank, string reason);

    /// <summary>Rendezvous: publishes a value.</summary>
    [Alias("rv-set")]
    Task SetKey(string key, string value);

    /// <summary>Rendezvous: a published value, or null.</summary>
    [Alias("rv-get")]
    Task<string?> GetKey(string key);

    /// <summary>Rendezvous: removes a value.</summary>
    [Alias("rv-delete")]
    Task DeleteKey(string key);
}
