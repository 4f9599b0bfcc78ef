using System.Text.Json;
using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>What to train: the shard store, the run folder every worker sees, and the training settings.</summary>
[GenerateSerializer]
[Alias("pipeline.training-job-spec")]
public sealed record TrainingJobSpec([property: Id(0)] string Shards, [property: Id(1)] string Output, [property: Id(3)] CampaignTraining Training)
{
    /// <summary>Whether <paramref name="other"/> asks for the same training (settings compared by value).</summary>
    public bool SameAs(TrainingJobSpec? other) =>
        other is not null && Shards == other.Shards && Output == other.Output
        && JsonSerializer.Serialize(Training, CampaignSpecFile.Json) == JsonSerializer.Serialize(other.Training, CampaignSpecFile.Json);
}
