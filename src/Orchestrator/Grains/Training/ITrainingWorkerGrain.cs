namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>One rank of a training job, on the silo its key names (<c>JOB/ATTEMPT/RANK@SILO</c>); trains on a thread of its own.</summary>
[Alias("pipeline.training-worker")]
public interface ITrainingWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts training; starting again does nothing.</summary>
    [Alias("start")]
    Task Start(TrainingAssignment assignment);

    /// <summary>Stops training.</summary>
    [Alias("stop")]
    Task Halt();
}
