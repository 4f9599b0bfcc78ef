namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>A training job as <c>train status</c> and the dashboard show it.</summary>
[GenerateSerializer]
[Alias("pipeline.training-job-status")]
public sealed record TrainingJobStatus(
    [property: Id(0)] string Job,
    [property: Id(1)] TrainingJobPhase Phase,
    [property: Id(2)] int Attempt,
    [property: Id(3)] int Restarts,
    [property: Id(4)] int WorldSize,
    [property: Id(5)] IReadOnlyList<string> Placements,
    [property: Id(6)] int Step,
    [property: Id(7)] int Steps,
    [property: Id(8)] double SamplesPerSecond,
    [property: Id(9)] IReadOnlyList<TrainingPoint> Losses,
    [property: Id(10)] IReadOnlyList<TrainingPoint> Evaluations,
    [property: Id(11)] string? Message,
    [property: Id(12)] string Output);
