namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>The names of every campaign started on this cluster, so the dashboard can list them; one grain, <see cref="Key"/>.</summary>
[Alias("pipeline.campaign-index")]
public interface ICampaignIndexGrain : IGrainWithStringKey
{
    /// <summary>The one index grain's key.</summary>
    public const string Key = "all";

    /// <summary>Records a campaign's name; adding it again changes nothing.</summary>
    [Alias("add")]
    Task Add(string name);

    /// <summary>Every recorded name, in order.</summary>
    [Alias("names")]
    Task<IReadOnlyList<string>> GetNames();
}
