using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>Holds where a campaign stands; a timer and a reminder make sure a driver runs whenever it should.</summary>
public sealed partial class CampaignGrain(
    [PersistentState("campaign", PipelineStorage.Name)] IPersistentState<CampaignState> state,
    SiloDirectory silos,
    IConfiguration configuration,
    IOptions<PipelineOptions> options,
    ILoggerFactory logging) : Grain, ICampaignGrain, IRemindable, IDisposable
{
    private const string ReminderName = "campaign";
    private readonly ILogger _logger = logging.CreateLogger<CampaignGrain>();
    private CancellationTokenSource? _driverStop;
    private Task? _driver;
    private string? _progress;
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

    public async Task<CampaignStatus> Start(string specJson)
    {
        var spec = CampaignSpecFile.Parse(specJson);
        if (spec.Name != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"spec names campaign '{spec.Name}', not '{this.GetPrimaryKeyString()}'");
        }

        await GrainFactory.GetGrain<ICampaignIndexGrain>(ICampaignIndexGrain.Key).Add(spec.Name);
        if (state.State.SpecJson is not null && state.State.State is not CampaignRunState.None)
        {
            if (state.State.SpecJson != specJson)
            {
                throw new ArgumentException($"campaign '{spec.Name}' already exists with another spec; use another name, or resume it");
            }

            return Status();
        }

        state.State.SpecJson = specJson;
        state.State.State = CampaignRunState.Running;
        state.State.Stage = CampaignStage.Queries;
        state.State.StartedAt = DateTime.UtcNow;
        await state.WriteStateAsync();
        var period = options.Value.CampaignReminderPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
        await EnsureDriverAsync();
        return Status();
    }

    public Task<CampaignStatus> GetStatus() => Task.FromResult(Status());

    public Task<string?> GetSpec() => Task.FromResult(state.State.SpecJson);

    public async Task<CampaignStatus> Pause()
    {
        if (state.State.State == CampaignRunState.Running)
        {
            state.State.State = CampaignRunState.Paused;
            await state.WriteStateAsync();
            await StopDriverAsync();
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
            await GrainFactory.GetGrain<ITrainingJobGrain>(this.GetPrimaryKeyString()).Halt();
            await ForgetReminderAsync();
        }

        return Status();
    }

    public Task Report(CampaignStage stage, string line)
    {
        if (stage == state.State.Stage)
        {
            _progress = line;
            LogProgress(_logger, _name, stage, line);
        }

        return Task.CompletedTask;
    }

    public async Task StageDone(CampaignStage stage, string summary)
    {
        if (stage != state.State.Stage || state.State.State != CampaignRunState.Running)
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

    public async Task StageFailed(CampaignStage stage, string reason)
    {
        if (stage != state.State.Stage || state.State.State != CampaignRunState.Running)
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
            var storeOptions = configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();
            var driver = new CampaignDriver(GrainFactory, silos, storeOptions, logging);
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
        return new CampaignStatus(this.GetPrimaryKeyString(), s.State, s.Stage, _progress, new Dictionary<string, string>(s.StageResults), [.. s.Errors], s.StartedAt, s.FinishedAt, output, s.Restarts);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: {Stage} done: {Summary}")]
    private static partial void LogStageDone(ILogger logger, string campaign, CampaignStage stage, string summary);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {Campaign}: {Stage}: {Line}")]
    private static partial void LogProgress(ILogger logger, string campaign, CampaignStage stage, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {Campaign}: {Stage} failed: {Reason}")]
    private static partial void LogStageFailed(ILogger logger, string campaign, CampaignStage stage, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: taken over at stage {Stage} after its silo went away")]
    private static partial void LogTakenOver(ILogger logger, string campaign, CampaignStage stage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: driver lost contact with the cluster")]
    private static partial void LogDriverLost(ILogger logger, Exception exception, string campaign);
}
