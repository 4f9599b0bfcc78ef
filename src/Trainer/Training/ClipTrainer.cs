using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Data;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Interop;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Telemetry;
using Pipeline.Trainer.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Training;

/// <summary>
/// The CLIP training loop for one rank: streams batches from the shards, runs forward and backward under a
/// dispose scope per step (so native memory stays flat), sums gradients over the ranks, applies AdamW with the
/// warmup-cosine schedule, and checkpoints, logs and evaluates at intervals. Rank 0 writes the checkpoints and
/// the metrics (<c>OUT/metrics.jsonl</c>, one JSON object per line). With an evaluation folder, rank 0 also keeps the
/// weights of the best evaluation so far (highest top-1, the earlier step on a tie) in <c>OUT/best/step-N/</c>
/// (<see cref="CheckpointStore.BestFolder"/>), its result in the checkpoint's state; each evaluation's metrics line names
/// the best step so far. A resumed run reads its best so far back from that folder; a fresh run removes a stale one.
/// </summary>
public sealed partial class ClipTrainer(TrainingOptions options, ICollectives collectives, ILogger logger)
{
    /// <summary>The metrics file in the output folder.</summary>
    public const string MetricsFile = "metrics.jsonl";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Trains on the shards in <paramref name="store"/>; with <paramref name="resume"/>, continues from the newest checkpoint in <paramref name="output"/>.</summary>
    public async Task<TrainingOutcome> RunAsync(IShardStore store, ShardManifest manifest, ClipTokenizer tokenizer, string output, bool resume, Action<StepReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options.Validate();
        options.ValidateRanks(collectives.WorldSize);

        var device = options.Device == "cuda" ? CUDA : CPU;
        if (options.Device == "cuda")
        {
            backends.cuda.matmul.allow_tf32 = true; // TF32 matmuls on Ampere and later: CLIP trains the same, much faster
            backends.cudnn.allow_tf32 = true;
        }

        if (options.Threads is { } threads)
        {
            set_num_threads(threads);
        }

        var config = ClipConfig.Resolve(options.Model) with { VocabularySize = tokenizer.VocabularySize, ContextLength = tokenizer.ContextLength };
        var checkpoints = new CheckpointStore(Path.Combine(output, CheckpointStore.CheckpointsFolder), options.KeepCheckpoints);
        TrainingState? resumed = null;
        string? from = resume ? checkpoints.Latest() : null;
        if (from is not null)
        {
            resumed = await CheckpointStore.ReadStateAsync(from, cancellationToken);
            var written = ClipConfig.Resolve(resumed.Config) with { Name = config.Name, VocabularySize = config.VocabularySize, ContextLength = config.ContextLength };
            if (resumed.ImportedFrom is not null)
            {
                // An imported model: weights only, so any batch and world size; the model and loss must fit them.
                if (written != config || resumed.Loss != options.Loss)
                {
                    throw new InvalidOperationException($"{from}: imported from {resumed.ImportedFrom} with loss {resumed.Loss} and {(written == config ? "this" : "another")} model configuration; train from it with the same (now {options.Loss}, {config.Name}; the import wrote the configuration to {Path.Combine(output, PyTorchModelFiles.RunConfigFile)}, for --model)");
                }
            }
            else if (resumed.WorldSize != collectives.WorldSize || resumed.GlobalBatch != options.GlobalBatch || written != config || resumed.Loss != options.Loss)
            {
                throw new InvalidOperationException($"{from}: written by {resumed.WorldSize} ranks with batch {resumed.GlobalBatch}, loss {resumed.Loss} and {(written == config ? "this" : "another")} model configuration; resume with the same (now {collectives.WorldSize}, {options.GlobalBatch}, {options.Loss}, {config.Name})");
            }
        }

        manual_seed(checked((long)(options.Seed & long.MaxValue)));
        using var model = new ClipModel(config, tokenizer.EndId, sigmoidLoss: options.Loss == ContrastiveLoss.SigLip) { GradientCheckpointing = options.GradientCheckpointing };
        model.to(device);
        using var optimizer = new HeldScalarAdamW(
            [
                new AdamW.ParamGroup(model.DecayedParameters(), new AdamW.Options { LearningRate = options.LearningRate, weight_decay = options.WeightDecay }),
                new AdamW.ParamGroup(model.UndecayedParameters(), new AdamW.Options { LearningRate = options.LearningRate, weight_decay = 0 }),
            ],
            lr: options.LearningRate, beta1: options.Beta1, beta2: options.Beta2, eps: options.Epsilon);
        if (from is not null && resumed is { ImportedFrom: { } imported })
        {
            CheckpointStore.LoadWeights(from, model, optimizer: null);
            LogImported(from, imported);
        }
        else if (from is not null && resumed is not null)
        {
            CheckpointStore.LoadWeights(from, model, optimizer);
            CheckpointStore.RestoreRng(resumed.RngState);
            LogResumed(from, resumed.Step);
        }
        else
        {
            BroadcastWeights(model);
        }

        // A resumed fp16 run keeps its loss scale; one that changes precision starts fp16's afresh.
        using var mixed = options.Precision == TrainingPrecision.Fp32 ? null : new MixedPrecisionModel(model, tokenizer.EndId, options.Precision,
            resumed is { LossScale: { } scale } ? new DynamicLossScaler(scale, resumed.LossScaleCleanSteps) : null);
        var firstStep = resumed?.Step ?? 0;
        var parameters = model.parameters().ToList();
        var gradients = new GradientSynchronizer(collectives, parameters);
        var schedule = new WarmupCosineSchedule(options.LearningRate, options.WarmupSteps, options.Steps);
        var evalSet = options.EvalFolder is { } evalFolder ? LabeledImageFolder.Open(evalFolder) : null;
        var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions
        {
            Rank = options.Split == DataSplit.RowGroups ? collectives.Rank : 0,
            WorldSize = options.Split == DataSplit.RowGroups ? collectives.WorldSize : 1,
            Seed = options.Seed,
            ShuffleBuffer = options.ShuffleBuffer,
        });
        var loaderOptions = new BatchLoaderOptions { GlobalBatch = options.GlobalBatch, Rank = collectives.Rank, WorldSize = collectives.WorldSize, Split = options.Split, Prefetch = options.Prefetch, DecodeThreads = options.DecodeThreads };
        // Augmenting, the loader decodes larger pictures that each step crops to the model's size.
        var augmenter = options.Augment ? new ImageAugmenter(config.ImageSize, options.AugmentMinScale) : null;
        var loadSize = augmenter?.SourceSize ?? config.ImageSize;
        await using var loader = new BatchLoader(reader, tokenizer, new ImagePreprocessor(loadSize), loaderOptions, resumed is { ImportedFrom: null } ? resumed.Positions[collectives.Rank] : null, logger);
        await using var metrics = collectives.Rank == 0 ? OpenMetrics(output, firstStep) : null;

        var bestStore = new CheckpointStore(Path.Combine(output, CheckpointStore.BestFolder), keep: 1);
        var best = collectives.Rank == 0 && evalSet is not null ? await ReadBestAsync(bestStore, resumed is { ImportedFrom: null }, cancellationToken) : null;
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        long skipped = 0;
        var lastCheckpoint = from ?? "";
        ZeroShotResult? evaluation = null;
        model.train();
        for (var step = firstStep; step < options.Steps; step++)
        {
            var batch = await loader.NextAsync(cancellationToken);
            skipped += batch.Skipped;
            var rate = schedule.RateAt(step);
            double loss;
            using (NewDisposeScope())
            {
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = rate;
                }

                var images = tensor(batch.Images, [batch.Count, 3, loadSize, loadSize]).to(device);
                if (augmenter is not null)
                {
                    images = augmenter.Apply(images);
                }

                var tokens = tensor(batch.Tokens, [batch.Count, tokenizer.ContextLength]).to(device);
                var lossTensor = ContrastiveStep.Backward(model, images, tokens, collectives, Math.Min(options.AccumulationSteps, batch.Count), mixed);
                gradients.SumGradients();
                var finite = mixed?.UnscaleGradients() ?? true;
                ClipLoss.AverageLogitScaleGradient(model.LogitScale, collectives.WorldSize);
                if (model.LogitBias is { } summedBias)
                {
                    // Complete on every rank, like the scale's.
                    ClipLoss.AverageLogitScaleGradient(summedBias, collectives.WorldSize);
                }

                if (options.GradientClip is { } clip)
                {
                    nn.utils.clip_grad_norm_(parameters, clip);
                }

                if (finite)
                {
                    optimizer.step();
                }
                else
                {
                    LogSkippedStep(step + 1, mixed!.LossScale);
                }

                optimizer.zero_grad();
                model.ClampLogitScale();
                mixed?.LoadWeights();
                loss = lossTensor.item<float>();
            }

            losses.Add(loss);
            var done = step + 1;
            var elapsed = clock.Elapsed.TotalSeconds;
            var report = new StepReport(done, options.Steps, loss, rate, Math.Exp(model.LogitScale.item<float>()), (done - firstStep) * (double)options.GlobalBatch / Math.Max(elapsed, 1e-9), TimeSpan.FromSeconds(elapsed / (done - firstStep) * (options.Steps - done)), skipped);
            progress?.Invoke(report);
            TrainerMetrics.Steps.Add(1);
            TrainerMetrics.Loss.Record(loss);
            TrainerMetrics.SamplesPerSecond.Record(report.SamplesPerSecond);
            if (metrics is not null && (done % options.LogEvery == 0 || done == options.Steps))
            {
                await WriteLineAsync(metrics, new { step = done, loss, lr = rate, logitScale = report.LogitScale, samplesPerSecond = report.SamplesPerSecond, skipped, time = DateTimeOffset.UtcNow }, cancellationToken);
            }

            if (evalSet is not null && ((options.EvalEvery > 0 && done % options.EvalEvery == 0) || done == options.Steps))
            {
                evaluation = ZeroShotClassifier.Evaluate(model, tokenizer, evalSet, cancellationToken: cancellationToken);
                LogEvaluation(done, evaluation.Top1, evaluation.Top5, evaluation.Chance);
                TrainerMetrics.ZeroShotAccuracy.Record(evaluation.Top1, new KeyValuePair<string, object?>("k", 1));
                TrainerMetrics.ZeroShotAccuracy.Record(evaluation.Top5, new KeyValuePair<string, object?>("k", 5));
                if (collectives.Rank == 0 && (best is null || evaluation.Top1 > best.Evaluation.Top1))
                {
                    var state = new TrainingState(done, options.Model, collectives.WorldSize, options.GlobalBatch, options.Seed, CheckpointStore.SaveRng(), [], options.Loss,
                        options.Precision, Evaluation: evaluation);
                    best = new BestCheckpoint(await bestStore.SaveAsync(model, optimizer: null, state, cancellationToken), done, evaluation);
                    LogBest(best.Path, done, evaluation.Top1);
                }

                if (metrics is not null)
                {
                    await WriteLineAsync(metrics, new { step = done, eval = evaluation, bestStep = best?.Step }, cancellationToken);
                }
            }

            if (done % options.CheckpointEvery == 0 || done == options.Steps)
            {
                lastCheckpoint = await CheckpointAsync(checkpoints, model, mixed, optimizer, done, batch.PositionAfter, cancellationToken);
            }
        }

        return new TrainingOutcome(firstStep, losses, lastCheckpoint, evaluation, best);
    }

    /// <summary>
    /// The best so far of a resumed run, from its best checkpoint's state; a fresh run (or one from imported weights)
    /// removes a best left in the output folder by an earlier run. A best written after the checkpoint a run resumes
    /// from is kept: its weights were evaluated as its state says, and only a strictly better evaluation replaces it.
    /// </summary>
    private static async Task<BestCheckpoint?> ReadBestAsync(CheckpointStore store, bool resuming, CancellationToken cancellationToken)
    {
        if (!resuming)
        {
            if (Directory.Exists(store.Folder))
            {
                Directory.Delete(store.Folder, recursive: true);
            }

            return null;
        }

        if (store.Latest() is not { } path)
        {
            return null;
        }

        var state = await CheckpointStore.ReadStateAsync(path, cancellationToken);
        return state.Evaluation is { } evaluation ? new BestCheckpoint(path, state.Step, evaluation) : null;
    }

    private void BroadcastWeights(ClipModel model)
    {
        if (collectives.WorldSize == 1)
        {
            return;
        }

        using var noGrad = no_grad();
        foreach (var parameter in model.parameters())
        {
            collectives.Broadcast(parameter, root: 0);
        }
    }

    private async Task<string> CheckpointAsync(CheckpointStore checkpoints, ClipModel model, MixedPrecisionModel? mixed, OptimizerHelper optimizer, int step, LoaderPosition position, CancellationToken cancellationToken)
    {
        // Every rank's data position goes into the checkpoint: gathered as JSON bytes, padded to the longest.
        var mine = JsonSerializer.SerializeToUtf8Bytes(position, Json);
        using var length = tensor(new long[] { mine.Length });
        using var lengths = collectives.AllGather(length);
        using var longest = lengths.max();
        var size = (int)longest.item<long>();
        var padded = new byte[size];
        mine.CopyTo(padded, 0);
        using var local = tensor(padded, [1, size]);
        using var all = collectives.AllGather(local);
        var positions = new List<LoaderPosition>();
        for (var rank = 0; rank < collectives.WorldSize; rank++)
        {
            var json = all.bytes.Slice(rank * size, size).TrimEnd((byte)0);
            positions.Add(JsonSerializer.Deserialize<LoaderPosition>(json, Json)!);
        }

        var path = checkpoints.PartialFolder(step);
        if (collectives.Rank == 0)
        {
            var state = new TrainingState(step, options.Model, collectives.WorldSize, options.GlobalBatch, options.Seed, CheckpointStore.SaveRng(), positions, options.Loss,
                options.Precision, mixed?.Scaler?.Scale, mixed?.Scaler?.CleanSteps ?? 0);
            path = await checkpoints.SaveAsync(model, optimizer, state, cancellationToken);
            LogCheckpoint(path, step);
        }

        collectives.Barrier();
        return path;
    }

    private static StreamWriter OpenMetrics(string output, int firstStep)
    {
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, MetricsFile);
        // On resume, lines past the checkpoint describe steps that are about to be run again.
        var kept = File.Exists(path) && firstStep > 0
            ? File.ReadLines(path).Where(line => StepOf(line) <= firstStep).ToList()
            : [];
        var writer = new StreamWriter(path, append: false);
        foreach (var line in kept)
        {
            writer.WriteLine(line);
        }

        return writer;
    }

    private static int StepOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("step", out var step) ? step.GetInt32() : int.MaxValue;
        }
        catch (JsonException)
        {
            return int.MaxValue; // a torn last line from a killed run
        }
    }

    private static async Task WriteLineAsync<T>(StreamWriter writer, T value, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync(JsonSerializer.Serialize(value, Json).AsMemory(), cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed from {Checkpoint} at step {Step}")]
    private partial void LogResumed(string checkpoint, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting from the imported weights of {Checkpoint} (from {Model})")]
    private partial void LogImported(string checkpoint, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint {Checkpoint} at step {Step}")]
    private partial void LogCheckpoint(string checkpoint, int step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Step} skipped: fp16 gradients overflowed; loss scale now {LossScale}")]
    private partial void LogSkippedStep(int step, double lossScale);

    [LoggerMessage(Level = LogLevel.Information, Message = "Best checkpoint {Checkpoint} at step {Step} (top-1 {Top1:P1})")]
    private partial void LogBest(string checkpoint, int step, double top1);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zero-shot at step {Step}: top-1 {Top1:P1}, top-5 {Top5:P1} (chance {Chance:P1})")]
    private partial void LogEvaluation(int step, double top1, double top5, double chance);
}
