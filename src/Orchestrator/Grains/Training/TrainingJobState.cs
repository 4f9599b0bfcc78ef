namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>A training job's persisted state: enough to place the workers again and resume from the last checkpoint.</summary>
[GenerateSerializer]
[Alias("pipeline.training-job-state")]
public sealed class TrainingJobState
{
    [Id(0)] public TrainingJobSpec? Spec { get; set; }
    [Id(1)] public TrainingJobPhase Phase { get; set; }
    [Id(2)] public int Attempt { get; set; }
    [Id(3)] public int Restarts { get; set; }
    [Id(4)] public int WorldSize { get; set; }
    [Id(5)] public List<string> Placements { get; set; } = [];
    [Id(6)] public int Step { get; set; }
    [Id(7)] public List<TrainingPoint> Losses { get; set; } = [];
    [Id(8)] public List<TrainingPoint> Evaluations { get; set; } = [];
    [Id(9)] public string? Message { get; set; }
    [Id(10)] public Dictionary<string, string> Rendezvous { get; set; } = [];
    [Id(11)] public int Steps { get; set; }
}
