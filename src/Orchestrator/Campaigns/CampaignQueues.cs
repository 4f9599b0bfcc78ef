namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Names of a campaign's work queues.</summary>
public static class CampaignQueues
{
    /// <summary>
    /// The fetch stage's queue of chunks for run <paramref name="run"/> of the campaign. A replaced campaign gets a
    /// new queue, so a worker of the old run still finishing a chunk cannot mark the new run's chunk of that name done.
    /// </summary>
    public static string Fetch(string campaign, int run) => run == 0 ? $"{campaign}/fetch" : $"{campaign}/fetch/{run}";

    /// <summary>The queue of retry round <paramref name="round"/> (from 1) of run <paramref name="run"/>'s fetch stage; round 0 is <see cref="Fetch(string, int)"/>.</summary>
    public static string Fetch(string campaign, int run, int round) => round == 0 ? Fetch(campaign, run) : $"{Fetch(campaign, run)}/retry-{round}";
}
