using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Politeness;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Stages;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.Curation;
using Pipeline.Orchestrator.Grains.Queries;
using Pipeline.Orchestrator.Grains.Shards;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Orchestrator.Grains.WorkQueues;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>
/// Runs a campaign's current stage and tells the campaign grain when it is done, stage after stage. It lives on the
/// campaign grain's silo, off the grain scheduler; if that silo dies, the grain's next activation starts a new driver,
/// which redoes the current stage: every stage skips its committed work.
/// </summary>
public sealed class CampaignDriver(IGrainFactory grains, SiloDirectory silos, ShardStoreOptions storeOptions, IHostBudget hostBudget, ILoggerFactory logging)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    /// <summary>Drives campaign <paramref name="name"/> until it stops running or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var campaign = grains.GetGrain<ICampaignGrain>(name);
        while (!cancellationToken.IsCancellationRequested)
        {
            var status = await campaign.GetStatus();
            if (status.State != CampaignRunState.Running || status.Stage == CampaignStage.Done)
            {
                return;
            }

            var spec = await campaign.GetSpec() ?? throw new InvalidOperationException($"campaign {name} has no spec");
            var stage = status.Stage;
            string summary;
            try
            {
                using var runner = new CampaignStageRunner(spec, storeOptions, logging, hostBudget);
                summary = await RunStageAsync(status.Run, stage, spec, runner, new ImmediateProgress<StageProgress>(p => _ = campaign.Report(stage, p)), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OrleansException)
            {
                await campaign.StageFailed(status.Run, stage, ex.Message);
                return;
            }

            await campaign.StageDone(status.Run, stage, summary);
        }
    }

    private async Task<string> RunStageAsync(int run, CampaignStage stage, CampaignSpec spec, CampaignStageRunner runner, IProgress<StageProgress> progress, CancellationToken ct)
    {
        var registry = grains.GetGrain<IShardRegistryGrain>(spec.Name);
        switch (stage)
        {
            case CampaignStage.Queries:
                return $"{await runner.BuildQueriesAsync(new GrainQueryWorkRunner(grains), progress, ct):N0} entries";
            case CampaignStage.Extract:
                return $"{await runner.ExtractAsync(progress, ct):N0} candidates";
            case CampaignStage.Match:
            {
                // A partition per work item, as many at a time as there are silos (each matches with all its cores).
                var m = await runner.MatchAsync(new GrainMatchWorkRunner(grains), Math.Max(1, silos.ActiveSilos().Count), progress, ct);
                var counts = await EntryCounts.LoadAsync(Path.Combine(runner.Paths.Matches, MatchStage.CountsFile), ct);
                var matched = new Dictionary<int, long>();
                var span = counts.AsSpan();
                for (var i = 0; i < span.Length; i++)
                {
                    if (span[i] > 0)
                    {
                        matched[i] = span[i];
                    }
                }

                var entries = await MatchStage.LoadEntriesAsync(runner.Paths.Entries, ct);
                var top = matched.OrderByDescending(p => p.Value).Take(10).Select(p => string.Create(CultureInfo.InvariantCulture, $"{entries[p.Key]} ({p.Value})")).ToList();
                await grains.GetGrain<IEntryCountersGrain>(spec.Name).SetMatched(entries.Count, spec.Balancing.Threshold, matched, top);
                return $"{m.Matched:N0} of {m.Candidates:N0} candidates matched; {m.EntriesMatched:N0} entries occur";
            }

            case CampaignStage.Balance:
            {
                var b = await runner.BalanceAsync(new GrainBandRankRunner(grains), Math.Max(1, silos.ActiveSilos().Count), progress, ct);
                return $"{b.Card.PairsKept:N0} kept, {b.Card.PairsReserve:N0} reserve of {b.PoolPairs:N0} pairs; {b.Card.CappedEntries:N0} entries capped at t = {spec.Balancing.Threshold}";
            }

            case CampaignStage.Fetch:
                return await FetchAsync(run, spec, runner, registry, progress, ct);
            case CampaignStage.Filter:
            {
                var s = await runner.FilterAsync(new GrainWorkItemRunner(grains), progress, ct);
                await registry.Refresh("filtered", runner.Paths.Filtered);
                return s.Describe();
            }

            case CampaignStage.Dedup:
            {
                var s = await runner.DedupAsync(new GrainWorkItemRunner(grains), progress, ct);
                var refill = await runner.RefillAsync(new GrainBandRankRunner(grains), Math.Max(1, silos.ActiveSilos().Count), progress, ct);
                await grains.GetGrain<IEntryCountersGrain>(spec.Name).SetFinal(new Dictionary<int, long>(refill.PerEntry));
                await registry.Refresh("shards", runner.FinalStore);
                return $"{s.Describe()}; refill: {refill.Chosen:N0} of {refill.Survivors:N0} chosen, {refill.FromReserve:N0} from the reserve";
            }

            case CampaignStage.Train:
                return spec.Training.Enabled ? await TrainAsync(spec, runner, progress, ct) : "training disabled";
            default:
                throw new InvalidOperationException($"no work for stage {stage}");
        }
    }

    private async Task<string> FetchAsync(int run, CampaignSpec spec, CampaignStageRunner runner, IShardRegistryGrain registry, IProgress<StageProgress> progress, CancellationToken ct)
    {
        var chunks = await runner.PlanFetchAsync(ct);
        if (chunks.Count == 0)
        {
            throw new InvalidDataException("balancing kept no pairs: nothing to fetch (do the captions contain any entry?)");
        }

        var counters = grains.GetGrain<IEntryCountersGrain>(spec.Name);
        var failures = await RunFetchRoundAsync(run, 0, spec, chunks, progress, ct);
        var retried = 0;
        for (var round = 1; round <= spec.Fetch.RetryRounds; round++)
        {
            // Only failures another try may cure are retried; the counters tell whether any is left without reading the logs.
            var left = (await counters.GetFill()).Retryable;
            if (left <= 0)
            {
                break;
            }

            progress.Report(new StageProgress("fetch", $"retry round {round}/{spec.Fetch.RetryRounds} in {spec.Fetch.RetryDelay.TotalSeconds:0} s: {left:N0} retryable failures (DNS, connection, timeout, open circuit, HTTP 429/5xx)", 0, chunks.Count));
            await Task.Delay(spec.Fetch.RetryDelay, ct);
            failures += await RunFetchRoundAsync(run, round, spec, chunks, progress, ct);
            retried = round;
        }

        var fill = await counters.GetFill();
        var fetched = await registry.Refresh("fetched", runner.Paths.Fetched);
        var retries = retried > 0 ? $" after {retried} retry round{(retried > 1 ? "s" : "")}" : string.Empty;
        return $"{fill.Images:N0} of {fill.Attempted:N0} images in {fetched.Shards} shards{retries}{failures}";
    }

    /// <summary>Runs round <paramref name="round"/> of the fetch (0: every chunk; then retry rounds) on workers of every silo until its queue is finished; returns its failed chunks in words.</summary>
    private async Task<string> RunFetchRoundAsync(int run, int round, CampaignSpec spec, IReadOnlyList<string> chunks, IProgress<StageProgress> progress, CancellationToken ct)
    {
        var queue = grains.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(spec.Name, run, round));
        await queue.Fill(chunks);
        var what = round == 0 ? "fetch" : $"retry round {round}";
        while (true)
        {
            // Workers on every active silo, again each poll: a silo that joined gets one, a dead one's lease expires.
            foreach (var silo in silos.ActiveSilos())
            {
                try
                {
                    await grains.GetGrain<ICampaignWorkerGrain>(SiloTargetedPlacementDirector.KeyFor(spec.Name, silo.Address)).EnsureRunning(spec, run, round);
                }
                catch (OrleansException)
                {
                    // The silo is leaving; the next poll sees the new membership.
                }
            }

            var p = await queue.GetProgress();
            var fill = await grains.GetGrain<IEntryCountersGrain>(spec.Name).GetFill();
            progress.Report(new StageProgress("fetch", $"{what}: {p.Done}/{p.Total} chunks, {p.Leased} leased, {p.Failed} failed, {p.Reclaimed} leases taken over; {fill.Images:N0} of {fill.Attempted:N0} images", p.Done, p.Total));
            if (p.Finished)
            {
                return p.Failed > 0 ? $"; {what}: {p.Failed} chunks failed: {string.Join("; ", p.Failures.Take(3))}" : string.Empty;
            }

            await Task.Delay(Poll, ct);
        }
    }

    private async Task<string> TrainAsync(CampaignSpec spec, CampaignStageRunner runner, IProgress<StageProgress> progress, CancellationToken ct)
    {
        var job = grains.GetGrain<ITrainingJobGrain>(spec.Name);
        var status = await job.Start(new TrainingJobSpec(runner.FinalStore, runner.Paths.Training, spec.Training));
        while (true)
        {
            switch (status.Phase)
            {
                case TrainingJobPhase.Completed:
                    return status.Message ?? "done";
                case TrainingJobPhase.Failed or TrainingJobPhase.Stopped:
                    throw new InvalidOperationException($"training {status.Phase.ToString().ToLowerInvariant()}: {status.Message}");
            }

            var loss = status.Losses.Count > 0 ? status.Losses[^1].Value : double.NaN;
            progress.Report(new StageProgress("train", string.Create(CultureInfo.InvariantCulture, $"step {status.Step}/{status.Steps} loss {loss:0.0000}, {status.WorldSize} workers, attempt {status.Attempt}{(status.Message is null ? "" : "; " + status.Message)}"), status.Step, status.Steps));
            await Task.Delay(Poll, ct);
            status = await job.GetStatus();
        }
    }
}
