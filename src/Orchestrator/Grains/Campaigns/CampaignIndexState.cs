namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>The persisted campaign names.</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-index-state")]
public sealed class CampaignIndexState
{
    /// <summary>Names, kept sorted.</summary>
    [Id(0)]
    public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}
