using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>
/// A campaign's worker on one silo (key <c>CAMPAIGN@SILO</c>): pulls leased chunks from the fetch queue (or a retry
/// round's) until it is empty, or until the campaign stops running that run (paused, cancelled, failed or replaced).
/// </summary>
[Alias("pipeline.campaign-worker")]
public interface ICampaignWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts pulling for round <paramref name="round"/> (0: the fetch, then retry rounds) of run <paramref name="run"/> if not already; returns at once.</summary>
    [Alias("ensure-running")]
    Task EnsureRunning(CampaignSpec spec, int run, int round);
}
