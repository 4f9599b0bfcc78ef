using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>A campaign's persisted state: its spec, where it stands, and one summary line per finished stage.</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-state")]
public sealed class CampaignState
{
    [Id(0)] public string? SpecJson { get; set; }
    [Id(1)] public CampaignRunState State { get; set; }
    [Id(2)] public CampaignStage Stage { get; set; }
    [Id(3)] public Dictionary<string, string> StageResults { get; set; } = [];
    [Id(4)] public List<string> Errors { get; set; } = [];
    [Id(5)] public DateTime? StartedAt { get; set; }
    [Id(6)] public DateTime? FinishedAt { get; set; }
    [Id(7)] public int Restarts { get; set; }

    /// <summary>Which run of the name this is: 0 at first, one more each time <c>campaign start --replace</c> replaces it.</summary>
    [Id(8)] public int Run { get; set; }
}
