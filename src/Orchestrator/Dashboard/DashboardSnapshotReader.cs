using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Campaigns;
using Pipeline.Orchestrator.Grains.Cluster;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.Shards;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Orchestrator.Grains.WorkQueues;

namespace Pipeline.Orchestrator.Dashboard;

/// <summary>
/// Reads the dashboard's snapshot from the grains. One reader per page connection: it keeps the previous
/// reading of each campaign's counters to turn them into rates.
/// </summary>
public sealed class DashboardSnapshotReader(IGrainFactory grains, TimeProvider time)
{
    private readonly Dictionary<string, Counters> _previous = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Reads every campaign and the silos once.</summary>
    public async Task<DashboardSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var silos = await grains.GetGrain<IClusterDirectoryGrain>(0).GetSilos().WaitAsync(cancellationToken);
        var names = await grains.GetGrain<ICampaignIndexGrain>(ICampaignIndexGrain.Key).GetNames().WaitAsync(cancellationToken);
        var campaigns = await Task.WhenAll(names.Select(name => ReadCampaignAsync(name, cancellationToken)));
        return new DashboardSnapshot(
            time.GetUtcNow().UtcDateTime,
            ++_sequence,
            [.. silos.Select(s => new DashboardSilo(s.Address.ToString(), s.Name, s.Roles, s.GpuSlots))],
            [.. campaigns.OrderByDescending(c => c.Status.StartedAt)]);
    }

    private async Task<DashboardCampaign> ReadCampaignAsync(string name, CancellationToken cancellationToken)
    {
        // The status first: its run names the fetch queue.
        var status = await grains.GetGrain<ICampaignGrain>(name).GetStatus().WaitAsync(cancellationToken);
        var fetch = grains.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(name, status.Run)).GetProgress();
        var fill = grains.GetGrain<IEntryCountersGrain>(name).GetFill();
        var stores = grains.GetGrain<IShardRegistryGrain>(name).GetSummaries();
        var training = grains.GetGrain<ITrainingJobGrain>(name).GetStatus();
        await Task.WhenAll(fetch, fill, stores, training).WaitAsync(cancellationToken);

        var now = new Counters(time.GetTimestamp(), fill.Result.Images, fill.Result.Attempted, fetch.Result.Done);
        var rates = Rates(now, _previous.GetValueOrDefault(name), stores.Result, training.Result);
        _previous[name] = now;
        return new DashboardCampaign(status, fetch.Result, fill.Result, stores.Result, training.Result, rates);
    }

    private DashboardRates Rates(Counters now, Counters? before, IReadOnlyDictionary<string, ShardRegistrySummary> stores, TrainingJobStatus training)
    {
        var seconds = before is null ? 0 : time.GetElapsedTime(before.Timestamp, now.Timestamp).TotalSeconds;
        double PerSecond(long current, long previous) => seconds > 0 ? Math.Max(0, current - previous) / seconds : 0;
        return new DashboardRates(
            PerSecond(now.Images, before?.Images ?? 0),
            PerSecond(now.Attempted, before?.Attempted ?? 0),
            PerSecond(now.ChunksDone, before?.ChunksDone ?? 0),
            training.Phase == TrainingJobPhase.Running ? training.SamplesPerSecond : 0,
            Kept(stores, "filtered", "fetched"),
            Kept(stores, "shards", "filtered"));
    }

    private static double? Kept(IReadOnlyDictionary<string, ShardRegistrySummary> stores, string after, string before) =>
        stores.TryGetValue(after, out var a) && stores.TryGetValue(before, out var b) && b.Samples > 0 ? (double)a.Samples / b.Samples : null;

    private sealed record Counters(long Timestamp, long Images, long Attempted, long ChunksDone);
}
