using Pipeline.Sharding.Settings;
using Pipeline.Trainer.Data;
using Pipeline.Trainer.Models;

namespace Pipeline.Trainer.Training;

/// <summary>How a CLIP run trains; bound from <c>Trainer</c>. Defaults follow CLIP and open_clip where they apply.</summary>
public sealed record TrainingOptions
{
    public const string Section = "Trainer";

    /// <summary>The model: a shipped configuration's name (tiny, small, ViT-B/32, ViT-B/16, ViT-L/14), or open_clip model-config JSON.</summary>
    public string Model { get; set; } = "tiny";

    /// <summary>The contrastive loss: CLIP's softmax (the default) or SigLIP's sigmoid with a learned bias.</summary>
    public ContrastiveLoss Loss { get; set; } = ContrastiveLoss.Clip;

    /// <summary>
    /// Micro-batches each rank's batch is cut into (open_clip's <c>--accum-freq</c>): the same gradient as the whole
    /// batch, with one micro-batch's activations in memory at a time, for a forward pass more per micro-batch. 1 by default.
    /// </summary>
    public int AccumulationSteps { get; set; } = 1;

    /// <summary>
    /// The format of the forward and backward passes: fp32 (the default), or bf16 or fp16 over fp32 master weights and
    /// fp32 optimizer state, with the loss and the logit scale in fp32 (<see cref="MixedPrecisionModel"/>).
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Fp32;

    /// <summary>Checkpoints each transformer block's activations (recomputed in the backward pass): less memory for more compute. Off by default.</summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Optimizer steps in the whole run (the schedule's length).</summary>
    public int Steps { get; set; } = 1_000;

    /// <summary>Samples per step over all ranks.</summary>
    public int GlobalBatch { get; set; } = 64;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; set; } = 5e-4;

    /// <summary>Random resized crops and horizontal flips of the training images (<see cref="ImageAugmenter"/>); off by default.</summary>
    public bool Augment { get; set; }

    /// <summary>With <see cref="Augment"/>: the smallest share of a picture's area a random crop keeps.</summary>
    public double AugmentMinScale { get; set; } = 0.5;

    /// <summary>Steps of linear warmup before the cosine decay.</summary>
    public int WarmupSteps { get; set; } = 100;

    /// <summary>AdamW decoupled weight decay, on weights only (not gains, biases or the logit scale).</summary>
    public double WeightDecay { get; set; } = 0.2;

    public double Beta1 { get; set; } = 0.9;

    public double Beta2 { get; set; } = 0.98;

    public double Epsilon { get; set; } = 1e-6;

    /// <summary>Largest gradient norm, or null for no clipping.</summary>
    public double? GradientClip { get; set; }

    /// <summary>Seeds the weights and the data order.</summary>
    public ulong Seed { get; set; }

    /// <summary>Steps between checkpoints; the last step always writes one.</summary>
    public int CheckpointEvery { get; set; } = 500;

    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; set; } = 3;

    /// <summary>Steps between zero-shot evaluations of <see cref="EvalFolder"/>; 0 evaluates only at the end.</summary>
    public int EvalEvery { get; set; }

    /// <summary>A labelled image folder (ROOT/CLASS/IMAGE) evaluated zero-shot, or null.</summary>
    public string? EvalFolder { get; set; }

    /// <summary>Steps between metrics lines.</summary>
    public int LogEvery { get; set; } = 10;

    /// <summary>"cpu" or "cuda" (the CUDA build only).</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Intra-op threads of libtorch; null leaves its default.</summary>
    public int? Threads { get; set; }

    /// <summary>How the ranks share the data.</summary>
    public DataSplit Split { get; set; } = DataSplit.RowGroups;

    /// <summary>Samples held for shuffling.</summary>
    public int ShuffleBuffer { get; set; } = 2_000;

    /// <summary>Batches decoded ahead.</summary>
    public int Prefetch { get; set; } = 2;

    /// <summary>Threads decoding images.</summary>
    public int DecodeThreads { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Vocabulary of a tokenizer trained for the run (CLIP's is 49,408).</summary>
    public int TokenizerVocabulary { get; set; } = 49_408;

    /// <summary>Captions a tokenizer is trained on.</summary>
    public int TokenizerCaptions { get; set; } = 200_000;

    /// <summary>Checks the settings that depend on how many ranks share the batch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More micro-batches than a rank's batch holds; the message names the setting.</exception>
    public void ValidateRanks(int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if (AccumulationSteps > GlobalBatch / worldSize)
        {
            throw SettingRange.Error($"{Key(nameof(AccumulationSteps))} must be at most each rank's batch ({GlobalBatch / worldSize}), got {AccumulationSteps}");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting, its rule and its value.</summary>
    public void Validate()
    {
        if (!ClipConfig.IsResolvable(Model, out var modelProblem))
        {
            throw SettingRange.Error(Model.TrimStart().StartsWith('{')
                ? $"{Key(nameof(Model))}: {modelProblem}"
                : $"{Key(nameof(Model))} must be one of {ClipConfig.KnownNames} or open_clip model-config JSON, got '{Model}'");
        }
        SettingRange.AtLeast(Key(nameof(Steps)), Steps, 1);
        SettingRange.AtLeast(Key(nameof(AccumulationSteps)), AccumulationSteps, 1);
        SettingRange.AtLeast(Key(nameof(GlobalBatch)), GlobalBatch, 2); // a contrastive batch needs negatives
        SettingRange.AtLeast(Key(nameof(WarmupSteps)), WarmupSteps, 0);
        SettingRange.AtLeast(Key(nameof(CheckpointEvery)), CheckpointEvery, 1);
        SettingRange.AtLeast(Key(nameof(KeepCheckpoints)), KeepCheckpoints, 1);
        SettingRange.AtLeast(Key(nameof(EvalEvery)), EvalEvery, 0);
        SettingRange.AtLeast(Key(nameof(LogEvery)), LogEvery, 1);
        SettingRange.Above(Key(nameof(LearningRate)), LearningRate, 0);
        SettingRange.AtLeast(Key(nameof(WeightDecay)), WeightDecay, 0);
        SettingRange.Between(Key(nameof(AugmentMinScale)), AugmentMinScale, 0.05, 1.0);
        SettingRange.Between(Key(nameof(Beta1)), Beta1, 0, 0.999_999);
        SettingRange.Between(Key(nameof(Beta2)), Beta2, 0, 0.999_999);
        SettingRange.Above(Key(nameof(Epsilon)), Epsilon, 0);
        if (GradientClip is { } clip)
        {
            SettingRange.Above(Key(nameof(GradientClip)), clip, 0);
        }

        if (Threads is { } threads)
        {
            SettingRange.AtLeast(Key(nameof(Threads)), threads, 1);
        }

        SettingRange.AtLeast(Key(nameof(ShuffleBuffer)), ShuffleBuffer, 1);
        SettingRange.AtLeast(Key(nameof(Prefetch)), Prefetch, 1);
        SettingRange.AtLeast(Key(nameof(DecodeThreads)), DecodeThreads, 1);
        SettingRange.AtLeast(Key(nameof(TokenizerVocabulary)), TokenizerVocabulary, 514); // bytes, their end-of-word forms, two specials
        SettingRange.AtLeast(Key(nameof(TokenizerCaptions)), TokenizerCaptions, 1);
        Require(Device is "cpu" or "cuda", nameof(Device), "cpu or cuda", Device);
    }

    private static string Key(string name) => $"{Section}:{name}";

    private static void Require(bool valid, string name, string rule, string value)
    {
        if (!valid)
        {
            throw SettingRange.Error($"{Key(name)} must be {rule}, got '{value}'");
        }
    }
}
