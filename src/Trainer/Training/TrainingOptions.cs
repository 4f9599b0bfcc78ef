using System.Globalization;
using Pipeline.Trainer.Data;
using Pipeline.Trainer.Models;

namespace Pipeline.Trainer.Training;

/// <summary>How a CLIP run trains; bound from <c>Trainer</c>. Defaults follow CLIP and open_clip where they apply.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Trainer";

    /// <summary>The model: tiny, small or ViT-B/32.</summary>
    public string Model { get; set; } = "tiny";

    /// <summary>Optimizer steps in the whole run (the schedule's length).</summary>
    public int Steps { get; set; } = 1_000;

    /// <summary>Samples per step over all ranks.</summary>
    public int GlobalBatch { get; set; } = 64;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; set; } = 5e-4;

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

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting, its rule and its value.</summary>
    public void Validate()
    {
        Require(ClipConfig.IsKnown(Model), nameof(Model), $"one of {ClipConfig.KnownNames}", Model);
        Require(Steps >= 1, nameof(Steps), "at least 1", Steps);
        Require(GlobalBatch >= 2, nameof(GlobalBatch), "at least 2 (a contrastive batch needs negatives)", GlobalBatch);
        Require(WarmupSteps >= 0, nameof(WarmupSteps), "at least 0", WarmupSteps);
        Require(CheckpointEvery >= 1, nameof(CheckpointEvery), "at least 1", CheckpointEvery);
        Require(KeepCheckpoints >= 1, nameof(KeepCheckpoints), "at least 1", KeepCheckpoints);
        Require(EvalEvery >= 0, nameof(EvalEvery), "at least 0", EvalEvery);
        Require(LogEvery >= 1, nameof(LogEvery), "at least 1", LogEvery);
        Require(LearningRate > 0, nameof(LearningRate), "above 0", LearningRate);
        Require(WeightDecay >= 0, nameof(WeightDecay), "at least 0", WeightDecay);
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), "in [0, 1)", Beta1);
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), "in [0, 1)", Beta2);
        Require(Epsilon > 0, nameof(Epsilon), "above 0", Epsilon);
        Require(GradientClip is null or > 0, nameof(GradientClip), "above 0, or unset for no clipping", GradientClip);
        Require(Threads is null or >= 1, nameof(Threads), "at least 1, or unset for libtorch's default", Threads);
        Require(ShuffleBuffer >= 1, nameof(ShuffleBuffer), "at least 1", ShuffleBuffer);
        Require(Prefetch >= 1, nameof(Prefetch), "at least 1", Prefetch);
        Require(DecodeThreads >= 1, nameof(DecodeThreads), "at least 1", DecodeThreads);
        Require(TokenizerVocabulary >= 514, nameof(TokenizerVocabulary), "at least 514 (256 bytes, their end-of-word forms and the two special tokens)", TokenizerVocabulary);
        Require(TokenizerCaptions >= 1, nameof(TokenizerCaptions), "at least 1", TokenizerCaptions);
        Require(Device is "cpu" or "cuda", nameof(Device), "cpu or cuda", Device);
    }

    private static void Require(bool valid, string key, string rule, object? value)
    {
        if (!valid)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Section}:{key} must be {rule}, got {value ?? "nothing"}"));
        }
    }
}
