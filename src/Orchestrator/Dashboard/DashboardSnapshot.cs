namespace Pipeline.Orchestrator.Dashboard;

/// <summary>Everything the dashboard page shows at one moment.</summary>
/// <param name="At">When it was read (UTC).</param>
/// <param name="Sequence">Counts the snapshots sent on this connection, so the page can show it is live.</param>
/// <param name="Silos">The active silos and their roles.</param>
/// <param name="Campaigns">Every campaign on the cluster, newest first.</param>
public sealed record DashboardSnapshot(DateTime At, long Sequence, IReadOnlyList<DashboardSilo> Silos, IReadOnlyList<DashboardCampaign> Campaigns);
