using Pipeline.Orchestrator.Grains.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.Shards;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Orchestrator.Grains.WorkQueues;

namespace Pipeline.Orchestrator.Dashboard;

/// <summary>One campaign as its grains report it, with rates worked out between two readings.</summary>
/// <param name="Status">Stage, state, stage results and errors.</param>
/// <param name="Fetch">The fetch queue's chunks by status.</param>
/// <param name="Fill">Per-entry fill, head/tail curves and fetch errors by class and host.</param>
/// <param name="Stores">What each stage's manifest holds (fetched, filtered, shards).</param>
/// <param name="Training">The training job's progress and curves.</param>
/// <param name="Rates">Throughput and the filter and dedup keep rates.</param>
public sealed record DashboardCampaign(
    CampaignStatus Status,
    WorkQueueProgress Fetch,
    EntryFill Fill,
    IReadOnlyDictionary<string, ShardRegistrySummary> Stores,
    TrainingJobStatus Training,
    DashboardRates Rates);
