namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>One worker's part of a job attempt.</summary>
[GenerateSerializer]
[Alias("pipeline.training-assignment")]
public sealed record TrainingAssignment(
    [property: Id(0)] string Job,
    [property: Id(1)] int Attempt,
    [property: Id(2)] int Rank,
    [property: Id(3)] int WorldSize,
    [property: Id(4)] TrainingJobSpec Spec);
