namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>One point of a training curve: a step's loss, or an evaluation's zero-shot accuracy.</summary>
[GenerateSerializer]
[Alias("pipeline.training-point")]
public sealed record TrainingPoint([property: Id(0)] int Step, [property: Id(1)] double Value, [property: Id(2)] double Extra);
