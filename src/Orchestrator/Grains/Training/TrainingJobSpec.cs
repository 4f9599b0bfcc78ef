namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>What to train: the shard store, the run folder every worker sees, and the training settings as JSON (<c>CampaignTraining</c>).</summary>
[GenerateSerializer]
[Alias("pipeline.training-job-spec")]
public sealed record TrainingJobSpec([property: Id(0)] string Shards, [property: Id(1)] string Output, [property: Id(2)] string TrainingJson);
