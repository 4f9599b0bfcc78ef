namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>A campaign's worker on one silo (key <c>CAMPAIGN@SILO</c>): pulls leased chunks from the fetch queue until it is empty.</summary>
[Alias("pipeline.campaign-worker")]
public interface ICampaignWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts pulling if not already; returns at once.</summary>
    [Alias("ensure-running")]
    Task EnsureRunning(string specJson);
}
