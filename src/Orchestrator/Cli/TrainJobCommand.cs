using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Training;
using Pipeline.Sharding.Settings;
using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// <c>pipeline train start|status|stop JOB</c>: a training job run by the cluster's training-job grain, one worker per GPU
/// on gpu silos (CPU workers elsewhere), restarted from its last checkpoint when a worker dies. A campaign's job is named after it.
/// </summary>
public static class TrainJobCommand
{
    // One line per status, for scripts that read it with jq or line by line.
    private static readonly JsonSerializerOptions Json = new(CampaignSpecFile.Json) { WriteIndented = false };

    private static readonly Argument<string> Job = new("job") { Description = "The job's name (a campaign's job has the campaign's name)" };

    private static readonly Option<int> Workers = new Option<int>("--workers") { Description = "Workers (ranks): one per GPU slot on gpu silos, or CPU workers when the cluster has none", DefaultValueFactory = _ => 1 }.AtLeast(1);

    private static readonly Option<TimeSpan> HeartbeatTimeout = new Option<TimeSpan>("--heartbeat-timeout") { Description = "Silence after which a worker counts as dead and the job restarts from its last checkpoint", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) }.AtLeast(TimeSpan.FromSeconds(1));

    private static readonly Option<int> MaxRestarts = new Option<int>("--max-restarts") { Description = "Restarts after worker deaths before the job fails", DefaultValueFactory = _ => 10 }.AtLeast(0);

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the status as JSON" };

    private static readonly Option<bool> Detach = new("--detach") { Description = "With --cluster: return once started instead of following the job to its end" };

    /// <summary>The <c>start</c>, <c>status</c> and <c>stop</c> subcommands of <c>train</c>.</summary>
    public static IEnumerable<Command> Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var start = new Command("start", "Start (or resume from its last checkpoint) a training job on the cluster and follow it; the embedded default runs it in this process")
        {
            Job, Workers, HeartbeatTimeout, MaxRestarts, AsJson, Detach,
        };
        foreach (var option in TrainCommand.JobOptions)
        {
            start.Options.Add(option);
        }

        start.SetAction((parse, ct) => cli.RunAsync(parse, TrainCommand.TrainerFlags(parse), StartAsync, ct));
        var status = new Command("status", "Where a training job stands: phase, step, attempt, workers, loss and zero-shot accuracy") { Job, AsJson };
        status.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, job => job.GetStatus(), t), ct));
        var stop = new Command("stop", "Stop a training job's workers; its last checkpoint stays and 'train start' resumes from it") { Job, AsJson };
        stop.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), (c, t) => ActAsync(c, job => job.Halt(), t), ct));
        return [start, status, stop];
    }

    private static async Task<int> StartAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var (shards, output) = TrainCommand.Locations(parse);
        var training = new CampaignTraining
        {
            Workers = parse.GetValue(Workers),
            HeartbeatTimeout = parse.GetValue(HeartbeatTimeout),
            MaxRestarts = parse.GetValue(MaxRestarts),
            Trainer = context.Bind<TrainingOptions>(TrainingOptions.Section),
        };
        try
        {
            training.Trainer.Validate();
            if (training.Workers < 1 || training.Trainer.GlobalBatch % training.Workers != 0)
            {
                throw new ArgumentException($"--batch {training.Trainer.GlobalBatch} must divide into --workers {training.Workers} (at least 1)");
            }
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        await using var session = await ClusterSession.OpenAsync(context, cancellationToken);
        var job = session.Grains.GetGrain<ITrainingJobGrain>(parse.GetValue(Job)!);
        var spec = new TrainingJobSpec(ShardsLocation(shards), Path.GetFullPath(output), training);
        var status = await job.Start(spec);
        if (!session.IsEmbedded && parse.GetValue(Detach))
        {
            return await PrintAsync(context, status);
        }

        // An embedded job runs only while this process does; follow it, and stop it cleanly on Ctrl+C.
        string? last = null;
        while (status.Phase is TrainingJobPhase.Waiting or TrainingJobPhase.Running)
        {
            var line = Describe(status);
            if (line != last)
            {
                await Console.Error.WriteLineAsync(line);
                last = line;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException) when (session.IsEmbedded)
            {
                status = await job.Halt();
                await context.Output.WriteLineAsync($"train {status.Job}: stopped; 'pipeline train start {status.Job}' with the same settings resumes from its last checkpoint");
                throw;
            }

            status = await job.GetStatus();
        }

        return await PrintAsync(context, status);
    }

    private static async Task<int> ActAsync(CommandContext context, Func<ITrainingJobGrain, Task<TrainingJobStatus>> act, CancellationToken cancellationToken)
    {
        await using var session = await ClusterSession.OpenAsync(context, cancellationToken);
        var status = await act(session.Grains.GetGrain<ITrainingJobGrain>(context.Parse.GetValue(Job)!));
        if (status.Phase == TrainingJobPhase.None)
        {
            throw new PipelineConfigurationException($"no training job named '{status.Job}'{(session.IsEmbedded ? $" in run folder {context.Options.RunDirectory}" : " on the cluster")}");
        }

        return await PrintAsync(context, status);
    }

    private static async Task<int> PrintAsync(CommandContext context, TrainingJobStatus status)
    {
        if (context.Parse.GetValue(AsJson))
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(status, Json));
        }
        else
        {
            await context.Output.WriteLineAsync(Describe(status));
            for (var rank = 0; rank < status.Placements.Count; rank++)
            {
                await context.Output.WriteLineAsync($"  rank {rank} on {status.Placements[rank]}");
            }

            foreach (var eval in status.Evaluations.TakeLast(3))
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  step {eval.Step}: zero-shot top-1 {eval.Value:P1}, top-5 {eval.Extra:P1}"));
            }
        }

        return status.Phase is TrainingJobPhase.Failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static string Describe(TrainingJobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"train {s.Job}: {s.Phase.ToString().ToLowerInvariant()}, step {s.Step}/{s.Steps}, loss {(s.Losses.Count > 0 ? s.Losses[^1].Value : double.NaN):0.0000}, {s.WorldSize} workers, attempt {s.Attempt}, restarts {s.Restarts}, output {s.Output}{(s.Message is null ? "" : "; " + s.Message)}");

    // Local folders become absolute, because the workers may run in another directory (or on another silo with the same mount).
    private static string ShardsLocation(string shards) =>
        shards.Contains("://", StringComparison.Ordinal) ? shards : Path.GetFullPath(shards);
}
