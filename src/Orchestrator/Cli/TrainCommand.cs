using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;
using TorchSharp;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// <c>pipeline train</c>: CLIP pretraining on shards (stage 8), one process per device; <c>pipeline train eval</c>:
/// zero-shot accuracy of a checkpoint on a labelled image folder.
/// </summary>
public static class TrainCommand
{
    private static readonly Option<string> Shards = new("--shards") { Description = "Shard store to train on: a folder, azure://container/prefix or an https container URL", Required = true };

    private static readonly Option<string> Output = new("--out") { Description = "Run folder: tokenizer/, checkpoints/, metrics.jsonl", Required = true };

    private static readonly Option<string?> Loss = new Option<string?>("--loss")
    {
        Description = "Contrastive loss: clip (softmax over the batch) or siglip (pairwise sigmoid with a learned bias) [config: Trainer:Loss; default: clip]",
    }.AcceptOnlyFromAmong("clip", "siglip");

    private static readonly Option<int?> AccumFreq = new Option<int?>("--accum-freq")
    {
        Description = "Micro-batches per rank's batch, open_clip's gradient accumulation: the whole batch's gradient with one micro-batch's activations in memory [config: Trainer:AccumulationSteps; default: 1]",
    }.AtLeast(1);

    private static readonly Option<string?> Precision = new Option<string?>("--precision")
    {
        Description = "Compute format: fp32, bf16 or fp16 (fp16 with a dynamic loss scale); bf16 and fp16 keep fp32 master weights and optimizer state [config: Trainer:Precision; default: fp32]",
    }.AcceptOnlyFromAmong("fp32", "bf16", "fp16");

    private static readonly Option<bool> GradCheckpointing = new("--grad-checkpointing")
    {
        Description = "Recompute each transformer block's activations in the backward pass: the same gradients in less memory, for about a third more compute [config: Trainer:GradientCheckpointing; default: off]",
    };

    private static readonly Option<string?> Model = KnownModel(new("--model")
    {
        Description = "Model: tiny, small, ViT-B/32, ViT-B/16, ViT-L/14, or an open_clip model-config file FILE.json [config: Trainer:Model; default: tiny]",
    });

    private static readonly Option<int?> Steps = new Option<int?>("--steps") { Description = "Optimizer steps [default: 1000]" }.AtLeast(1);

    private static readonly Option<int?> Batch = new Option<int?>("--batch") { Description = "Samples per step over all ranks [default: 64]" }.AtLeast(2);

    private static readonly Option<double?> LearningRate = new Option<double?>("--lr") { Description = "Peak learning rate [default: 5e-4]" }.Above(0.0);

    private static readonly Option<int?> Warmup = new Option<int?>("--warmup") { Description = "Linear warmup steps [default: 100]" }.AtLeast(0);

    private static readonly Option<double?> Clip = new Option<double?>("--clip") { Description = "Largest gradient norm [default: no clipping]" }.Above(0.0);

    private static readonly Option<ulong?> Seed = new Option<ulong?>("--seed") { Description = "Seed of the weights and the data order [default: 0]" }.Numeric();

    private static readonly Option<int?> CheckpointEvery = new Option<int?>("--checkpoint-every") { Description = "Steps between checkpoints [default: 500]" }.AtLeast(1);

    private static readonly Option<int?> LogEvery = new Option<int?>("--log-every") { Description = "Steps between metrics lines in OUT/metrics.jsonl [default: 10]" }.AtLeast(1);

    private static readonly Option<string?> Eval = new("--eval") { Description = "A labelled image folder (ROOT/CLASS_NAME/IMAGE) evaluated zero-shot" };

    private static readonly Option<int?> EvalEvery = new Option<int?>("--eval-every") { Description = "Steps between evaluations; 0 evaluates at the end only [default: 0]" }.AtLeast(0);

    private static readonly Option<string?> Tokenizer = new("--tokenizer") { Description = "A folder with vocab.json and merges.txt [default: OUT/tokenizer, trained on the shards' captions if missing]" };

    private static readonly Option<bool> Resume = new("--resume") { Description = "Continue from the newest checkpoint in OUT as if never stopped" };

    private static readonly Option<string?> Device = new("--device") { Description = "cpu or cuda (a CUDA build: -p:TorchBackend=cuda) [default: cpu]" };

    private static readonly Option<int?> Threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads [default: libtorch's]" }.AtLeast(1);

    private static readonly Option<int> Rank = new Option<int>("--rank") { Description = "This process's rank", DefaultValueFactory = _ => 0 }.AtLeast(0);

    private static readonly Option<int> WorldSize = new Option<int>("--world-size") { Description = "Processes training together, one per device", DefaultValueFactory = _ => 1 }.AtLeast(1);

    private static readonly Option<string?> Rendezvous = new("--rendezvous") { Description = "A folder every rank sees, where they find each other [default: OUT/rendezvous]" };

    private static readonly Option<string> Backend = new("--backend") { Description = "Collectives: tcp (CPU) or nccl (GPU)", DefaultValueFactory = _ => "tcp" };

    private static readonly Option<string> Host = new("--host") { Description = "Address rank 0 listens on with the tcp backend", DefaultValueFactory = _ => "127.0.0.1" };

    private static readonly Option<string?> Split = new("--data-split") { Description = "row-groups (each rank reads its own) or batch-slices (every rank reads all, batches match one process) [default: row-groups]" };

    private static readonly Option<string> Checkpoint = new("--checkpoint") { Description = "A checkpoint folder, or a run folder (its best/ checkpoint when it evaluated during training, else its newest)", Required = true };

    /// <summary>The <c>train</c> command and its <c>eval</c> subcommand.</summary>
    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var train = new Command("train", "Pretrain CLIP on shards: tokenizer, ViT and text transformer, checkpoints, zero-shot evaluation; one process per device")
        {
            Shards, Output, Model, Loss, AccumFreq, Precision, GradCheckpointing, Steps, Batch, LearningRate, Warmup, Clip, Seed, CheckpointEvery, LogEvery, Eval, EvalEvery, Tokenizer, Resume, Device, Threads,
            Rank, WorldSize, Rendezvous, Backend, Host, Split,
        };
        train.SetAction((parse, ct) => cli.RunAsync(parse, TrainerFlags(parse), TrainAsync, ct));

        var eval = new Command("eval", "Zero-shot top-1 and top-5 of a checkpoint on a labelled image folder") { Checkpoint, Eval, Tokenizer, Device };
        eval.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), EvalAsync, ct));
        train.Subcommands.Add(eval);
        foreach (var job in TrainJobCommand.Create(cli))
        {
            train.Subcommands.Add(job);
        }

        foreach (var files in TrainModelFileCommand.Create(cli))
        {
            train.Subcommands.Add(files);
        }

        return train;
    }

    private static async Task<int> TrainAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var options = context.Bind<TrainingOptions>(TrainingOptions.Section);
        var (rank, worldSize) = (parse.GetValue(Rank), parse.GetValue(WorldSize));
        var output = parse.GetValue(Output)!;
        IShardStore store;
        try
        {
            options.Validate();
            if (worldSize < 1 || rank < 0 || rank >= worldSize)
            {
                throw new ArgumentException($"--rank {rank} is not within --world-size {worldSize}");
            }

            if (options.GlobalBatch % worldSize != 0)
            {
                throw new ArgumentException($"--batch {options.GlobalBatch} must divide into {worldSize} ranks");
            }

            options.ValidateRanks(worldSize);

            store = ShardStoreLocation.Open(parse.GetValue(Shards)!, context.Bind<ShardStoreOptions>(ShardStoreOptions.Section));
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        if (manifest.Shards.Count == 0)
        {
            throw new PipelineConfigurationException($"{store.Describe(ManifestStore.ManifestPath)}: no committed shards to train on");
        }

        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        var logger = logging.CreateLogger<ClipTrainer>();
        var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(parse.GetValue(Tokenizer) ?? Path.Combine(output, "tokenizer"), store, manifest, options.TokenizerVocabulary, options.TokenizerCaptions, save: rank == 0, cancellationToken);
        using var collectives = await ConnectAsync(parse, rank, worldSize, output, cancellationToken);
        var progress = new ThrottledProgress<StepReport>(TimeSpan.FromSeconds(2), r => Console.Error.WriteLine(Describe(r)));
        var outcome = await new ClipTrainer(options, collectives, logger).RunAsync(store, manifest, tokenizer, output, parse.GetValue(Resume), r =>
        {
            if (rank == 0)
            {
                progress.Report(r);
            }
        }, cancellationToken);

        var line = string.Create(CultureInfo.InvariantCulture, $"train: steps {outcome.FirstStep + 1}-{options.Steps} done, last loss {(outcome.Losses.Count > 0 ? outcome.Losses[^1] : double.NaN):0.0000}, checkpoint {outcome.Checkpoint}");
        if (outcome.Evaluation is { } result)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", zero-shot top-1 {result.Top1:P1} top-5 {result.Top5:P1} over {result.Images} images of {result.Classes} classes (chance {result.Chance:P1})");
        }

        await context.Output.WriteLineAsync(line);
        return ExitCodes.Success;
    }

    private static async Task<ICollectives> ConnectAsync(ParseResult parse, int rank, int worldSize, string output, CancellationToken cancellationToken)
    {
        if (worldSize == 1)
        {
            return new SingleProcessCollectives();
        }

        var store = new FileRendezvousStore(parse.GetValue(Rendezvous) ?? Path.Combine(output, "rendezvous"));
        var runId = Path.GetFileName(Path.GetFullPath(output).TrimEnd('/'));
        var timeout = TimeSpan.FromMinutes(5);
        return parse.GetValue(Backend) switch
        {
            "tcp" => await TcpCollectives.ConnectAsync(rank, worldSize, store, runId, parse.GetValue(Host)!, timeout, cancellationToken),
            "nccl" => await NcclCollectives.ConnectAsync(rank, worldSize, store, runId, timeout, cancellationToken),
            var other => throw new PipelineConfigurationException($"--backend is tcp or nccl, not '{other}'"),
        };
    }

    private static async Task<int> EvalAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var given = parse.GetValue(Checkpoint)!;
        var checkpoint = CheckpointStore.Find(given) ?? throw new PipelineConfigurationException($"{given}: neither a checkpoint nor a run folder with checkpoints");
        var evalFolder = parse.GetValue(Eval) ?? throw new PipelineConfigurationException("--eval is required: a labelled image folder");
        var runFolder = CheckpointStore.RunFolderOf(checkpoint);
        LabeledImageFolder set;
        ClipTokenizer tokenizer;
        TrainingState state;
        try
        {
            set = LabeledImageFolder.Open(evalFolder);
            tokenizer = new ClipTokenizer(await BpeVocabulary.LoadAsync(parse.GetValue(Tokenizer) ?? Path.Combine(runFolder, "tokenizer"), cancellationToken));
            state = await CheckpointStore.ReadStateAsync(checkpoint, cancellationToken);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or InvalidDataException)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        using var model = new ClipModel(ClipConfig.Resolve(state.Config) with { VocabularySize = tokenizer.VocabularySize, ContextLength = tokenizer.ContextLength }, tokenizer.EndId, sigmoidLoss: state.Loss == ContrastiveLoss.SigLip);
        if (parse.GetValue(Device) == "cuda")
        {
            model.to(torch.CUDA);
        }

        CheckpointStore.LoadWeights(checkpoint, model, optimizer: null);
        var result = ZeroShotClassifier.Evaluate(model, tokenizer, set, cancellationToken: cancellationToken);
        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"eval: {checkpoint} (step {state.Step}): top-1 {result.Top1:P1}, top-5 {result.Top5:P1} over {result.Images} images of {result.Classes} classes (chance {result.Chance:P1})"));
        return ExitCodes.Success;
    }

    private static string Describe(StepReport r) => string.Create(CultureInfo.InvariantCulture,
        $"train: step {r.Step}/{r.Steps} loss {r.Loss:0.0000} lr {r.LearningRate:0.00e+00} scale {r.LogitScale:0.0} {r.SamplesPerSecond:0} samples/s ETA {r.Eta:hh\\:mm\\:ss}{(r.Skipped > 0 ? $" ({r.Skipped} undecodable skipped)" : "")}");

    /// <summary>The trainer settings and flags that <c>train start</c> shares with <c>train</c>.</summary>
    internal static IReadOnlyList<Option> JobOptions => [Shards, Output, Model, Loss, AccumFreq, Precision, GradCheckpointing, Steps, Batch, LearningRate, Warmup, Clip, Seed, CheckpointEvery, LogEvery, Eval, EvalEvery, Device, Threads, Split];

    /// <summary>The shard store and run folder flags' values.</summary>
    internal static (string Shards, string Output) Locations(ParseResult parse) => (parse.GetValue(Shards)!, parse.GetValue(Output)!);

    /// <summary>The trainer flags as configuration keys of the <c>Trainer</c> section.</summary>
    internal static Dictionary<string, string?> TrainerFlags(ParseResult parse) => new()
    {
        // A model-config file travels as its JSON text, so silos and checkpoints do not need the file.
        [Key(nameof(TrainingOptions.Model))] = parse.GetValue(Model) is { } model && IsConfigFile(model) ? File.ReadAllText(model) : parse.GetValue(Model),
        [Key(nameof(TrainingOptions.Loss))] = parse.GetValue(Loss),
        [Key(nameof(TrainingOptions.AccumulationSteps))] = FlagValue.Text(parse.GetValue(AccumFreq)),
        [Key(nameof(TrainingOptions.Precision))] = parse.GetValue(Precision),
        [Key(nameof(TrainingOptions.GradientCheckpointing))] = parse.GetValue(GradCheckpointing) ? "true" : null,
        [Key(nameof(TrainingOptions.Steps))] = FlagValue.Text(parse.GetValue(Steps)),
        [Key(nameof(TrainingOptions.GlobalBatch))] = FlagValue.Text(parse.GetValue(Batch)),
        [Key(nameof(TrainingOptions.LearningRate))] = FlagValue.Text(parse.GetValue(LearningRate)),
        [Key(nameof(TrainingOptions.WarmupSteps))] = FlagValue.Text(parse.GetValue(Warmup)),
        [Key(nameof(TrainingOptions.GradientClip))] = FlagValue.Text(parse.GetValue(Clip)),
        [Key(nameof(TrainingOptions.Seed))] = FlagValue.Text(parse.GetValue(Seed)),
        [Key(nameof(TrainingOptions.CheckpointEvery))] = FlagValue.Text(parse.GetValue(CheckpointEvery)),
        [Key(nameof(TrainingOptions.LogEvery))] = FlagValue.Text(parse.GetValue(LogEvery)),
        [Key(nameof(TrainingOptions.EvalFolder))] = parse.GetValue(Eval),
        [Key(nameof(TrainingOptions.EvalEvery))] = FlagValue.Text(parse.GetValue(EvalEvery)),
        [Key(nameof(TrainingOptions.Device))] = parse.GetValue(Device),
        [Key(nameof(TrainingOptions.Threads))] = FlagValue.Text(parse.GetValue(Threads)),
        [Key(nameof(TrainingOptions.Split))] = parse.GetValue(Split)?.Replace("-", "", StringComparison.Ordinal),
    };

    private static string Key(string name) => $"{TrainingOptions.Section}:{name}";

    private static Option<string?> KnownModel(Option<string?> option)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
            {
                return;
            }

            var value = result.Tokens[^1].Value;
            if (IsConfigFile(value))
            {
                if (!File.Exists(value))
                {
                    result.AddError($"{option.Name} {value}: the file does not exist");
                    return;
                }

                try
                {
                    OpenClipModelConfig.Parse(File.ReadAllText(value), Path.GetFileNameWithoutExtension(value), value);
                }
                catch (ArgumentException ex)
                {
                    result.AddError($"{option.Name} {ex.Message}");
                }
            }
            else if (!ClipConfig.IsKnown(value))
            {
                result.AddError($"{option.Name} must be one of {ClipConfig.KnownNames} or a model-config file (FILE.json), got '{value}'");
            }
        });
        return option;
    }

    private static bool IsConfigFile(string value) => value.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
}
