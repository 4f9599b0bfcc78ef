namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Names of a campaign's work queues.</summary>
public static class CampaignQueues
{
    /// <summary>The fetch stage's queue of chunks.</summary>
    public static string Fetch(string campaign) => $"{campaign}/fetch";
}
