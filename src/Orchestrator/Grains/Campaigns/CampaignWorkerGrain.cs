using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Politeness;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.WorkQueues;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>Pulls chunks under a lease it renews while it works; the chunk's own commit record makes a redo after a lost lease harmless.</summary>
[SiloTargetedPlacement]
public sealed partial class CampaignWorkerGrain(IConfiguration configuration, ILoggerFactory logging, IHostBudget hostBudget) : Grain, ICampaignWorkerGrain
{
    private Task? _loop;
    private (int Run, int Round) _pulling;

    public Task EnsureRunning(CampaignSpec spec, int run, int round)
    {
        // A loop of a replaced run (or a finished round) ends by itself before its next lease; the new one starts now.
        if (_loop is null || _loop.IsCompleted || (run, round) != _pulling)
        {
            var queue = GrainFactory.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(spec.Name, run, round));
            var counters = GrainFactory.GetGrain<IEntryCountersGrain>(spec.Name);
            var campaign = GrainFactory.GetGrain<ICampaignGrain>(spec.Name);
            var me = this.GetPrimaryKeyString();
            _pulling = (run, round);
            // Downloads run for minutes: off the grain scheduler, talking to the queue like any client.
            _loop = Task.Run(() => PullAsync(spec, run, round, campaign, queue, counters, me));
        }

        return Task.CompletedTask;
    }

    private async Task PullAsync(CampaignSpec spec, int run, int round, ICampaignGrain campaign, IWorkQueueGrain queue, IEntryCountersGrain counters, string me)
    {
        var logger = logging.CreateLogger<CampaignWorkerGrain>();
        var storeOptions = configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();
        using var runner = new CampaignStageRunner(spec, storeOptions, logging, hostBudget);
        while (true)
        {
            // A paused, cancelled, failed or replaced campaign takes no more chunks; resuming starts a new loop.
            if (await campaign.GetStatus() is not { State: CampaignRunState.Running } status || status.Run != run)
            {
                return;
            }

            var lease = await queue.Lease(me, spec.Fetch.Lease);
            if (lease is null)
            {
                var progress = await queue.GetProgress();
                if (progress.Pending == 0 && progress.Leased == 0)
                {
                    return;
                }

                // Others hold the rest: wait, in case a lease expires because its worker died.
                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }

            using var renewing = new CancellationTokenSource();
            using var held = new CancellationTokenSource();
            var renewals = RenewAsync(queue, lease, spec.Fetch.Lease, held, renewing.Token);
            try
            {
                var report = round == 0 ? await runner.FetchChunkAsync(lease.Item, held.Token) : await runner.RetryChunkAsync(lease.Item, round, held.Token);
                // The chunk is committed either way; its counts belong to this run only.
                if ((await campaign.GetStatus()).Run == run)
                {
                    await counters.AddChunk(report);
                }

                await queue.Complete(lease);
                LogChunk(logger, spec.Name, lease.Item, report.Images, report.Entries, report.AlreadyDone);
            }
            catch (OperationCanceledException) when (held.IsCancellationRequested)
            {
                // Paused or cancelled: the chunk goes back undone (its commit record is all or nothing) and is redone on resume.
                await queue.GiveBack(lease);
                LogGivenBack(logger, spec.Name, lease.Item);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or HttpRequestException or UnauthorizedAccessException or ArgumentException)
            {
                LogChunkFailed(logger, ex, spec.Name, lease.Item);
                await queue.Fail(lease, ex.Message);
            }
            finally
            {
                await renewing.CancelAsync();
                await renewals;
            }
        }
    }

    /// <summary>Renews the lease every third of its duration, and each second looks whether the queue is held; if so, fires <paramref name="held"/>.</summary>
    private static async Task RenewAsync(IWorkQueueGrain queue, WorkLease lease, TimeSpan duration, CancellationTokenSource held, CancellationToken cancellationToken)
    {
        var renewed = DateTime.UtcNow;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                if (await queue.IsHeld())
                {
                    await held.CancelAsync();
                    return;
                }

                if (DateTime.UtcNow - renewed >= duration / 3)
                {
                    await queue.Renew(lease, duration);
                    renewed = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: chunk {Chunk} committed, {Images} of {Entries} images (already done: {AlreadyDone})")]
    private static partial void LogChunk(ILogger logger, string campaign, string chunk, int images, int entries, bool alreadyDone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: chunk {Chunk} given back undone, the campaign is paused or cancelled")]
    private static partial void LogGivenBack(ILogger logger, string campaign, string chunk);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: chunk {Chunk} failed")]
    private static partial void LogChunkFailed(ILogger logger, Exception exception, string campaign, string chunk);
}
