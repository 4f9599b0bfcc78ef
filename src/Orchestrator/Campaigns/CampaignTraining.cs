using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>A campaign's (or a standalone job's) training settings.</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-training")]
public sealed class CampaignTraining
{
    /// <summary>Whether the campaign trains at all.</summary>
    [Id(0)] public bool Enabled { get; init; } = true;

    /// <summary>Workers (ranks): one per GPU on silos with the gpu role; on a cluster without one, CPU workers on any silo.</summary>
    [Id(1)] public int Workers { get; init; } = 1;

    /// <summary>How long a worker may go without a heartbeat before the job restarts from its last checkpoint.</summary>
    [Id(2)] public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Restarts after worker deaths before the job fails.</summary>
    [Id(3)] public int MaxRestarts { get; init; } = 10;

    /// <summary>The trainer's settings (the <c>Trainer</c> section's keys).</summary>
    [Id(4)] public TrainingOptions Trainer { get; init; } = new();
}
