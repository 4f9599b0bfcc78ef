namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>A worker's sign of life, with its latest step when it has one.</summary>
[GenerateSerializer]
[Alias("pipeline.training-heartbeat")]
public sealed record TrainingHeartbeat(
    [property: Id(0)] int Attempt,
    [property: Id(1)] int Rank,
    [property: Id(2)] int Step,
    [property: Id(3)] double Loss,
    [property: Id(4)] double SamplesPerSecond,
    [property: Id(5)] IReadOnlyList<TrainingPoint> Evaluations);
