using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Crawler.Politeness;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Counters;
using Pipeline.Orchestrator.Grains.Shards;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Orchestrator.Grains.WorkQueues;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>Holds where a campaign stands; a timer and a reminder make sure a driver runs whenever it should.</summary>
public sealed partial class CampaignGrain(
    [PersistentState("campaign", PipelineStorage.Name)] IPersistentState<CampaignState> state,
    SiloDirectory silos,
    IConfiguration configuration,
    IOptions<PipelineOptions> options,
    IHostBudget hostBudget,
    ILoggerFactory logging) : Grain, ICampaignGrain, IRemindable, IDisposable
{
    private const string ReminderName = "campaign";
    private readonly ILogger _logger = logging.CreateLogger<CampaignGrain>();
    private CancellationTokenSource? _driverStop;
    private Task? _driver;
    private StageProgress? _progress;
    private string _name = string.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _name = this.GetPrimaryKeyString();
        if (state.State.State == CampaignRunState.Running)
        {
            // Running at activation means the silo that drove it went away: count it and carry on.
            state.State.Restarts++;
            LogTakenOver(_logger, _name, state.State.Stage);
        }

        // KeepAlive: an idle-collected activation would leave its driver running while a new one starts another.
        this.RegisterGrainTimer(_ => EnsureDriverAsync(), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)) { Interleave = true, KeepAlive = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Whatever ends this activation ends its driver, so at most one driver works on the campaign's files.
        await StopDriverAsync();
        try
        {
            await (_driver ?? Task.CompletedTask).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The driver stopped as asked, or deactivation ran out of time; either way it no longer writes.
        }
    }

    public Task<CampaignStatus> Start(CampaignSpec spec) => StartAsync(spec, replace: false);

    public Task<CampaignStatus> Replace(CampaignSpec spec) => StartAsync(spec, replace: true);

    private async Task<CampaignStatus> StartAsync(CampaignSpec spec, bool replace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // Kept as JSON in the grain's state and the output's claim: a document later versions still read.
        var specJson = CampaignSpecFile.ToJson(spec);
        if (spec.Name != _name)
        {
            throw new ArgumentException($"spec names campaign '{spec.Name}', not '{_name}'");
        }

        var existing = state.State.SpecJson is not null && state.State.State is not CampaignRunState.None;
        if (existing)
        {
            var same = CampaignSpecFile.SameSpec(state.State.SpecJson!, specJson);
            if (!replace && same && state.State.State is not CampaignRunState.Cancelled)
            {
                return Status();
            }

            if (!replace || state.State.State is CampaignRunState.Running or CampaignRunState.Paused)
            {
                throw new ArgumentException(Refusal(same, replace));
            }
        }

        // Before anything is recorded, so a spec that cannot work leaves the name free.
        await CampaignWriteCheck.CheckAsync(spec, StoreOptions(), CancellationToken.None);
        await CampaignOutputClaim.ClaimAsync(spec, specJson, CancellationToken.None);
        var run = existing ? state.State.Run + 1 : 0;
        if (existing)
        {
            await ForgetRunAsync();
        }

        state.State = new CampaignState { SpecJson = specJson, State = CampaignRunState.Running, Stage = CampaignStage.Queries, StartedAt = DateTime.UtcNow, Run = run };
        await state.WriteStateAsync();
        _progress = null;
        await GrainFactory.GetGrain<ICampaignIndexGrain>(ICampaignIndexGrain.Key).Add(spec.Name);
        var period = options.Value.CampaignReminderPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
        await EnsureDriverAsync();
        return Status();
    }

    public Task<CampaignStatus> GetStatus() => Task.FromResult(Status());

    public Task<CampaignSpec?> GetSpec() => Task.FromResult(state.State.SpecJson is { } json ? CampaignSpecFile.Parse(json) : null);

    public async Task<CampaignStatus> Pause()
    {
        if (state.State.State == CampaignRunState.Running)
        {
            state.State.State = CampaignRunState.Paused;
            await state.WriteStateAsync();
            await StopDriverAsync();
            await HoldFetchWorkersAsync();
            if (state.State.Stage == CampaignStage.Train)
            {
                await GrainFactory.GetGrain<ITrainingJobGrain>(this.GetPrimaryKeyString()).Halt();
            }
        }

        return Status();
    }

    public async Task<CampaignStatus> Unpause()
    {
        if (state.State.State is CampaignRunState.Paused or CampaignRunState.Failed)
        {
            state.State.State = CampaignRunState.Running;
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(_name, state.State.Run)).Release();
            await this.RegisterOrUpdateReminder(ReminderName, options.Value.CampaignReminderPeriod, options.Value.CampaignReminderPeriod);
            await EnsureDriverAsync();
        }

        return Status();
    }

    public async Task<CampaignStatus> Cancel()
    {
        if (state.State.State is CampaignRunState.Running or CampaignRunState.Paused or CampaignRunState.Failed)
        {
            state.State.State = CampaignRunState.Cancelled;
            state.State.FinishedAt = DateTime.UtcNow;
            await state.WriteStateAsync();
            await StopDriverAsync();
            await HoldFetchWorkersAsync();
            await GrainFactory.GetGrain<ITrainingJobGrain>(this.GetPrimaryKeyString()).Halt();
            await ForgetReminderAsync();
        }

        return Status();
    }

    public Task Report(CampaignStage stage, StageProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (stage == state.State.Stage)
        {
            _progress = progress;
            LogProgress(_logger, _name, stage, progress.Stage, progress.Message);
        }

        return Task.CompletedTask;
    }

    public async Task StageDone(int run, CampaignStage stage, string summary)
    {
        // A driver of a replaced run may still report: only the current run's stage counts.
        if (run != state.State.Run || stage != state.State.Stage || state.State.State != CampaignRunState.Running)
        {
            return;
        }

        LogStageDone(_logger, _name, stage, summary);
        state.State.StageResults[stage.ToString()] = summary;
        state.State.Stage = stage + 1;
        _progress = null;
        if (state.State.Stage == CampaignStage.Done)
        {
            state.State.State = CampaignRunState.Completed;
            state.State.FinishedAt = DateTime.UtcNow;
            await ForgetReminderAsync();
        }

        await state.WriteStateAsync();
    }

    public async Task StageFailed(int run, CampaignStage stage, string reason)
    {
        if (run != state.State.Run || stage != state.State.Stage || state.State.State != CampaignRunState.Running)
        {
            return;
        }

        LogStageFailed(_logger, _name, stage, reason);
        state.State.State = CampaignRunState.Failed;
        state.State.Errors.Add($"{DateTime.UtcNow:u} {stage}: {reason}");
        await state.WriteStateAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EnsureDriverAsync();

    public void Dispose() => _driverStop?.Dispose();

    private Task EnsureDriverAsync()
    {
        if (state.State.State == CampaignRunState.Running && (_driver is null || _driver.IsCompleted))
        {
            _driverStop?.Dispose();
            _driverStop = new CancellationTokenSource();
            var driver = new CampaignDriver(GrainFactory, silos, StoreOptions(), hostBudget, logging);
            var name = this.GetPrimaryKeyString();
            var token = _driverStop.Token;
            _driver = Task.Run(async () =>
            {
                try
                {
                    await driver.RunAsync(name, token);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // The timer starts a new driver within seconds.
                    LogDriverLost(_logger, ex, name);
                }
            }, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private ShardStoreOptions StoreOptions() => configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();

    /// <summary>Why another start of this campaign is refused, and what the user can do instead.</summary>
    private string Refusal(bool sameSpec, bool replace)
    {
        var stage = state.State.Stage.ToString().ToLowerInvariant();
        var spec = sameSpec ? "" : " with another spec";
        const string Replace = "'pipeline campaign start SPEC --replace'";
        return state.State.State switch
        {
            CampaignRunState.Running when replace => $"campaign '{_name}' is running (stage {stage}) and cannot be replaced; 'pipeline campaign cancel {_name}' stops it first",
            CampaignRunState.Paused when replace => $"campaign '{_name}' is paused at stage {stage} and cannot be replaced; 'pipeline campaign cancel {_name}' stops it first",
            CampaignRunState.Running => $"campaign '{_name}' is running (stage {stage}){spec}; to start this spec in its place, 'pipeline campaign cancel {_name}', then {Replace}",
            CampaignRunState.Paused => $"campaign '{_name}' is paused at stage {stage}{spec}; 'pipeline campaign resume {_name}' continues it, or 'pipeline campaign cancel {_name}' and then {Replace} starts this spec in its place",
            CampaignRunState.Failed => $"campaign '{_name}' failed at stage {stage}{spec}; 'pipeline campaign resume {_name}' retries that stage, or {Replace} starts this spec in its place",
            CampaignRunState.Cancelled => $"campaign '{_name}' was cancelled at stage {stage}{spec}; {Replace} starts {(sameSpec ? "it again" : "this spec in its place")} from the first stage",
            _ => $"campaign '{_name}' is {state.State.State.ToString().ToLowerInvariant()}{spec}; {Replace} starts this spec in its place, or give it another name",
        };
    }

    /// <summary>Clears what the grains of the replaced run hold under the name; the new run's fetch queue has a name of its own.</summary>
    private async Task ForgetRunAsync()
    {
        await StopDriverAsync();
        await GrainFactory.GetGrain<ITrainingJobGrain>(_name).Forget();
        await GrainFactory.GetGrain<IEntryCountersGrain>(_name).Forget();
        await GrainFactory.GetGrain<IShardRegistryGrain>(_name).Forget();
        await ForgetReminderAsync();
    }

    /// <summary>
    /// Holds the fetch queue (no new leases) and waits until every worker finished or gave back its chunk. A worker
    /// that died keeps its lease until it expires, so the wait is bounded by two lease periods.
    /// </summary>
    private async Task HoldFetchWorkersAsync()
    {
        if (state.State.Stage != CampaignStage.Fetch || state.State.SpecJson is not { } json)
        {
            return;
        }

        var queue = GrainFactory.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(_name, state.State.Run));
        await queue.Hold();
        var deadline = DateTime.UtcNow + (2 * CampaignSpecFile.Parse(json).Fetch.Lease);
        while ((await queue.GetProgress()).Leased > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private async Task StopDriverAsync()
    {
        if (_driverStop is not null)
        {
            await _driverStop.CancelAsync();
        }
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private CampaignStatus Status()
    {
        var s = state.State;
        var output = s.SpecJson is null ? string.Empty : CampaignSpecFile.Parse(s.SpecJson).Output;
        return new CampaignStatus(_name, s.State, s.Stage, _progress, new Dictionary<string, string>(s.StageResults), [.. s.Errors], s.StartedAt, s.FinishedAt, output, s.Restarts, s.Run);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: {Stage} done: {Summary}")]
    private static partial void LogStageDone(ILogger logger, string campaign, CampaignStage stage, string summary);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {Campaign}: {Stage}: {Step}: {Message}")]
    private static partial void LogProgress(ILogger logger, string campaign, CampaignStage stage, string step, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {Campaign}: {Stage} failed: {Reason}")]
    private static partial void LogStageFailed(ILogger logger, string campaign, CampaignStage stage, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: taken over at stage {Stage} after its silo went away")]
    private static partial void LogTakenOver(ILogger logger, string campaign, CampaignStage stage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: driver lost contact with the cluster")]
    private static partial void LogDriverLost(ILogger logger, Exception exception, string campaign);
}
