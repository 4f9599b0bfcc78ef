using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Progress;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>A campaign as <c>campaign status</c> and the dashboard show it; <see cref="Run"/> counts replacements (<see cref="CampaignState.Run"/>).</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-status")]
public sealed record CampaignStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] CampaignRunState State,
    [property: Id(2)] CampaignStage Stage,
    [property: Id(3)] StageProgress? Progress,
    [property: Id(4)] IReadOnlyDictionary<string, string> StageResults,
    [property: Id(5)] IReadOnlyList<string> Errors,
    [property: Id(6)] DateTime? StartedAt,
    [property: Id(7)] DateTime? FinishedAt,
    [property: Id(8)] string Output,
    [property: Id(9)] int Restarts,
    [property: Id(10)] int Run);
