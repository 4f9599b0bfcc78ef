using Microsoft.Extensions.Logging;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Placement;

namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>Coordinates the workers of one job; the weights and data stay with the workers and the checkpoint folder.</summary>
public sealed partial class TrainingJobGrain(
    [PersistentState("training-job", PipelineStorage.Name)] IPersistentState<TrainingJobState> state,
    SiloDirectory silos,
    ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain, IRemindable
{
    private const int MaxCurvePoints = 2000;
    private readonly Dictionary<int, DateTime> _heartbeats = [];
    private CampaignTraining _training = new();
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is { } spec)
        {
            _training = spec.Training ?? new CampaignTraining();
        }

        // A new activation (after a silo died) gives every placed worker a full timeout to show it is alive.
        for (var rank = 0; rank < state.State.Placements.Count; rank++)
        {
            _heartbeats[rank] = DateTime.UtcNow;
        }

        _timer = this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)) { Interleave = false });
        return Task.CompletedTask;
    }

    public async Task<TrainingJobStatus> Start(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Phase is TrainingJobPhase.Running or TrainingJobPhase.Waiting or TrainingJobPhase.Completed && spec.SameAs(state.State.Spec))
        {
            return Status();
        }

        _training = spec.Training ?? throw new ArgumentException("no training settings", nameof(spec));
        state.State.Spec = spec;
        state.State.WorldSize = _training.Workers;
        state.State.Steps = _training.Trainer.Steps;
        state.State.Phase = TrainingJobPhase.Waiting;
        state.State.Message = null;
        await this.RegisterOrUpdateReminder("training", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await PlaceAsync();
        return Status();
    }

    public async Task<TrainingJobStatus> Halt()
    {
        if (state.State.Phase is TrainingJobPhase.Running or TrainingJobPhase.Waiting)
        {
            await StopWorkersAsync();
            state.State.Phase = TrainingJobPhase.Stopped;
            state.State.Message = "stopped by the user; 'train start' again resumes from the last checkpoint";
            await state.WriteStateAsync();
        }

        return Status();
    }

    public async Task Forget()
    {
        await StopWorkersAsync();
        if (await this.GetReminder("training") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        // Attempt numbers keep counting: they key the workers, and a halted worker of the old job must not pass for a new one.
        state.State = new TrainingJobState { Attempt = state.State.Attempt };
        await state.WriteStateAsync();
        _heartbeats.Clear();
        _training = new CampaignTraining();
    }

    public Task<TrainingJobStatus> GetStatus() => Task.FromResult(Status());

    public Task<bool> Heartbeat(TrainingHeartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        if (heartbeat.Attempt != state.State.Attempt || state.State.Phase != TrainingJobPhase.Running)
        {
            return Task.FromResult(false);
        }

        _heartbeats[heartbeat.Rank] = DateTime.UtcNow;
        if (heartbeat.Rank == 0 && heartbeat.Step > state.State.Step)
        {
            Record(heartbeat);
        }

        return Task.FromResult(true);
    }

    public async Task Completed(int attempt, int rank, TrainingHeartbeat last)
    {
        ArgumentNullException.ThrowIfNull(last);
        if (attempt != state.State.Attempt || rank != 0 || state.State.Phase != TrainingJobPhase.Running)
        {
            return;
        }

        Record(last);
        state.State.Phase = TrainingJobPhase.Completed;
        state.State.Message = state.State.Evaluations.Count > 0
            ? FormattableString.Invariant($"done; zero-shot top-1 {state.State.Evaluations[^1].Value:P1}, top-5 {state.State.Evaluations[^1].Extra:P1}{BestNote(state.State.Evaluations)}")
            : "done";
        await state.WriteStateAsync();
        await this.UnregisterReminder(await this.GetReminder("training") ?? throw new InvalidOperationException("no reminder"));
    }

    public async Task Failed(int attempt, int rank, string reason)
    {
        if (attempt == state.State.Attempt && state.State.Phase == TrainingJobPhase.Running)
        {
            await RestartAsync($"rank {rank} failed: {reason}");
        }
    }

    public async Task SetKey(string key, string value)
    {
        state.State.Rendezvous[key] = value;
        await state.WriteStateAsync();
    }

    public Task<string?> GetKey(string key) => Task.FromResult(state.State.Rendezvous.GetValueOrDefault(key));

    public async Task DeleteKey(string key)
    {
        if (state.State.Rendezvous.Remove(key))
        {
            await state.WriteStateAsync();
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckAsync(CancellationToken.None);

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        switch (state.State.Phase)
        {
            case TrainingJobPhase.Waiting:
                await PlaceAsync();
                break;
            case TrainingJobPhase.Running:
                var now = DateTime.UtcNow;
                var late = _heartbeats.Where(h => now - h.Value > _training.HeartbeatTimeout).Select(h => h.Key).Order().ToList();
                if (late.Count > 0)
                {
                    await RestartAsync($"no heartbeat from rank {string.Join(", ", late)} ({string.Join(", ", late.Select(r => state.State.Placements[r]))}) for {_training.HeartbeatTimeout.TotalSeconds:0} s");
                }

                break;
        }
    }

    private async Task RestartAsync(string reason)
    {
        LogRestart(this.GetPrimaryKeyString(), state.State.Attempt, reason);
        await StopWorkersAsync();
        state.State.Restarts++;
        if (state.State.Restarts > _training.MaxRestarts)
        {
            state.State.Phase = TrainingJobPhase.Failed;
            state.State.Message = $"gave up after {_training.MaxRestarts} restarts; last: {reason}";
            await state.WriteStateAsync();
            return;
        }

        state.State.Phase = TrainingJobPhase.Waiting;
        state.State.Message = $"restarting from the last checkpoint: {reason}";
        await PlaceAsync();
    }

    /// <summary>One worker per GPU slot of gpu silos; on a cluster with no gpu silo, CPU workers spread over every silo.</summary>
    private async Task PlaceAsync()
    {
        var world = state.State.WorldSize;
        var active = silos.ActiveSilos();
        var gpuSlots = active.Where(s => s.IsGpu).SelectMany(s => Enumerable.Repeat(s.Address, s.GpuSlots)).ToList();
        List<SiloAddress> chosen;
        if (gpuSlots.Count >= world)
        {
            chosen = gpuSlots.Take(world).ToList();
        }
        else if (!active.Any(s => s.IsGpu) && active.Count > 0)
        {
            chosen = [.. Enumerable.Range(0, world).Select(r => active[r % active.Count].Address)];
        }
        else
        {
            state.State.Message = $"waiting for {world} GPU slots on silos with the gpu role; {gpuSlots.Count} available";
            await state.WriteStateAsync();
            return;
        }

        state.State.Attempt++;
        state.State.Placements = [.. chosen.Select(s => s.ToParsableString())];
        state.State.Phase = TrainingJobPhase.Running;
        state.State.Rendezvous.Clear();
        await state.WriteStateAsync();
        _heartbeats.Clear();
        var job = this.GetPrimaryKeyString();
        for (var rank = 0; rank < world; rank++)
        {
            _heartbeats[rank] = DateTime.UtcNow;
            var worker = GrainFactory.GetGrain<ITrainingWorkerGrain>(SiloTargetedPlacementDirector.KeyFor($"{job}/{state.State.Attempt}/{rank}", chosen[rank]));
            try
            {
                await worker.Start(new TrainingAssignment(job, state.State.Attempt, rank, world, state.State.Spec!));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The silo left between the directory read and the call: the missing heartbeat restarts the job.
                LogPlacementFailed(job, rank, chosen[rank].ToString(), ex.Message);
            }
        }

        LogPlaced(job, state.State.Attempt, world, state.State.Placements);
    }

    private async Task StopWorkersAsync()
    {
        var job = this.GetPrimaryKeyString();
        for (var rank = 0; rank < state.State.Placements.Count; rank++)
        {
            var silo = SiloAddress.FromParsableString(state.State.Placements[rank]);
            if (!silos.ActiveSilos().Any(s => s.Address.Equals(silo)))
            {
                continue;
            }

            try
            {
                await GrainFactory.GetGrain<ITrainingWorkerGrain>(SiloTargetedPlacementDirector.KeyFor($"{job}/{state.State.Attempt}/{rank}", silo)).Halt().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogPlacementFailed(job, rank, silo.ToString(), ex.Message);
            }
        }
    }

    private void Record(TrainingHeartbeat heartbeat)
    {
        state.State.Step = heartbeat.Step;
        if (heartbeat.Step > 0 && (state.State.Losses.Count == 0 || state.State.Losses[^1].Step < heartbeat.Step))
        {
            state.State.Losses.Add(new TrainingPoint(heartbeat.Step, heartbeat.Loss, heartbeat.SamplesPerSecond));
            if (state.State.Losses.Count > MaxCurvePoints)
            {
                // Thin the older half so the curve keeps its whole span in bounded state.
                state.State.Losses = [.. state.State.Losses.Where((p, i) => i % 2 == 0 || i >= state.State.Losses.Count / 2)];
            }
        }

        foreach (var eval in heartbeat.Evaluations.Where(e => !state.State.Evaluations.Any(x => x.Step == e.Step)))
        {
            state.State.Evaluations.Add(eval);
        }
    }

    private TrainingJobStatus Status()
    {
        var s = state.State;
        return new TrainingJobStatus(
            this.GetPrimaryKeyString(), s.Phase, s.Attempt, s.Restarts, s.WorldSize, s.Placements, s.Step, s.Steps,
            s.Losses.Count > 0 ? s.Losses[^1].Extra : 0, s.Losses, s.Evaluations, s.Message, s.Spec?.Output ?? string.Empty);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {Job} attempt {Attempt}: restarting, {Reason}")]
    private partial void LogRestart(string job, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {Job} attempt {Attempt}: {WorldSize} workers on {Silos}")]
    private partial void LogPlaced(string job, int attempt, int worldSize, IReadOnlyList<string> silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {Job}: rank {Rank} on {Silo} did not answer: {Reason}")]
    private partial void LogPlacementFailed(string job, int rank, string silo, string reason);

    /// <summary>
    /// The best evaluation when it is not the last: the trainer keeps its weights in <c>OUT/best/step-N</c> (highest
    /// top-1, the earlier step on a tie), which <c>train export</c> and <c>train eval</c> prefer for the run folder.
    /// </summary>
    private static string BestNote(List<TrainingPoint> evaluations)
    {
        var best = evaluations.OrderByDescending(e => e.Value).ThenBy(e => e.Step).First();
        return best.Step == evaluations[^1].Step
            ? " (the best, kept in best/)"
            : FormattableString.Invariant($"; best top-1 {best.Value:P1}, top-5 {best.Extra:P1} at step {best.Step}, kept in best/");
    }
}
