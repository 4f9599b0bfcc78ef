using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>Runs one rank with the trainer library on its own thread, always resuming from the newest checkpoint, and reports heartbeats.</summary>
[SiloTargetedPlacement]
public sealed partial class TrainingWorkerGrain(ILocalSiloDetails silo, IConfiguration configuration, ILoggerFactory logging) : Grain, ITrainingWorkerGrain, IDisposable
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public Task Start(TrainingAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (_run is null)
        {
            var job = GrainFactory.GetGrain<ITrainingJobGrain>(assignment.Job);
            // Training holds a thread for minutes to days: it runs off the grain scheduler, which only relays calls.
            _run = Task.Factory.StartNew(() => RunAsync(assignment, job, _stop.Token), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }

        return Task.CompletedTask;
    }

    public async Task Halt()
    {
        await _stop.CancelAsync();
        DeactivateOnIdle();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stop.Dispose();

    private async Task RunAsync(TrainingAssignment a, ITrainingJobGrain job, CancellationToken cancellationToken)
    {
        var logger = logging.CreateLogger<TrainingWorkerGrain>();
        var latest = new TrainingHeartbeat(a.Attempt, a.Rank, 0, double.NaN, 0, []);
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var metrics = Path.Combine(a.Spec.Output, "metrics.jsonl");
        var heartbeats = Task.Run(async () =>
        {
            while (!beating.IsCancellationRequested)
            {
                try
                {
                    if (!await job.Heartbeat(latest with { Evaluations = a.Rank == 0 ? ReadEvaluations(metrics) : [] }))
                    {
                        // The job moved on to another attempt: this one must not keep writing checkpoints.
                        await beating.CancelAsync();
                        break;
                    }
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    LogHeartbeatFailed(logger, a.Job, a.Rank, ex.Message);
                }

                await Task.Delay(HeartbeatInterval, beating.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, CancellationToken.None);

        try
        {
            var options = a.Spec.Training.Trainer;
            var store = ShardStoreLocation.Open(a.Spec.Shards, configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions());
            var manifest = await new ManifestStore(store).LoadAsync(beating.Token);
            if (manifest.Shards.Count == 0)
            {
                throw new InvalidDataException($"{a.Spec.Shards}: no committed shards to train on");
            }

            var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(
                Path.Combine(a.Spec.Output, "tokenizer"), store, manifest, options.TokenizerVocabulary, options.TokenizerCaptions, save: a.Rank == 0, beating.Token);
            using var collectives = a.WorldSize == 1
                ? (ICollectives)new SingleProcessCollectives()
                : await TcpCollectives.ConnectAsync(a.Rank, a.WorldSize, new GrainRendezvousStore(job), $"{a.Job}-a{a.Attempt}", silo.SiloAddress.Endpoint.Address.ToString(), TimeSpan.FromMinutes(5), beating.Token);
            var outcome = await new ClipTrainer(options, collectives, logging.CreateLogger<ClipTrainer>()).RunAsync(
                store, manifest, tokenizer, a.Spec.Output, resume: true, r => latest = latest with { Step = r.Step, Loss = r.Loss, SamplesPerSecond = r.SamplesPerSecond }, beating.Token);
            await beating.CancelAsync();
            await heartbeats;
            var last = latest with { Step = options.Steps, Loss = outcome.Losses.Count > 0 ? outcome.Losses[^1] : latest.Loss, Evaluations = ReadEvaluations(metrics) };
            await job.Completed(a.Attempt, a.Rank, last);
        }
        catch (OperationCanceledException) when (beating.IsCancellationRequested)
        {
            LogStopped(logger, a.Job, a.Attempt, a.Rank);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, a.Job, a.Attempt, a.Rank);
            await beating.CancelAsync();
            await job.Failed(a.Attempt, a.Rank, ex.Message);
        }
        finally
        {
            await beating.CancelAsync();
            await heartbeats;
        }
    }

    /// <summary>The zero-shot results rank 0 has written to the run's metrics so far.</summary>
    private static List<TrainingPoint> ReadEvaluations(string metrics)
    {
        var points = new List<TrainingPoint>();
        if (!File.Exists(metrics))
        {
            return points;
        }

        using var reader = new StreamReader(new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains("\"eval\"", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var eval = doc.RootElement.GetProperty("eval");
                points.Add(new TrainingPoint(doc.RootElement.GetProperty("step").GetInt32(), Number(eval, "top1"), Number(eval, "top5")));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // A line being written is read again at the next heartbeat.
            }
        }

        return points;
    }

    private static double Number(JsonElement element, string name) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value.GetDouble();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {Job} rank {Rank}: heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string job, int rank, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {Job} attempt {Attempt} rank {Rank} stopped")]
    private static partial void LogStopped(ILogger logger, string job, int attempt, int rank);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training job {Job} attempt {Attempt} rank {Rank} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string job, int attempt, int rank);
}
