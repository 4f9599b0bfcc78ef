using System.Text.Json;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Synthetic;

namespace Pipeline.Orchestrator.Tests;

/// <summary><c>pipeline train</c> takes the global <c>--config FILE</c> (the model is <c>--model</c>), and a bad setting there names only its key (flags: <see cref="CliValidationTests"/>).</summary>
public sealed class TrainSettingsTests
{
    [Fact]
    public async Task Train_takes_a_configuration_file_and_the_model_flag()
    {
        using var folder = new TemporaryFolder();
        var shards = folder.Combine("shards");
        await ShapesDataset.WriteShardsAsync(new LocalFolderStore(shards), 64, 32, seed: 3, shardSamples: 32, CancellationToken.None);
        var settings = folder.Combine("train.json");
        await File.WriteAllTextAsync(settings, """{ "Trainer": { "Steps": 3, "GlobalBatch": 8, "WarmupSteps": 1, "LogEvery": 1, "TokenizerVocabulary": 600 } }""");
        var run = folder.Combine("run");

        var trained = await PipelineExecutable.RunAsync(["train", "--config", settings, "--model", "tiny", "--shards", shards, "--out", run], timeoutSeconds: 300);

        Assert.True(trained.ExitCode == 0, string.Join('\n', trained.Stderr));
        Assert.Contains(trained.Stdout, l => l.StartsWith("train: steps 1-3 done", StringComparison.Ordinal));
        var steps = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToList();
        Assert.Equal([1, 2, 3], steps);

        var unknownModel = await PipelineExecutable.RunAsync(["train", "--config", settings, "--model", "huge", "--shards", shards, "--out", folder.Combine("other")]);
        Assert.Equal(2, unknownModel.ExitCode);
        Assert.Equal(["pipeline: error: --model must be one of tiny, small, ViT-B/32, ViT-B/16, ViT-L/14 or a model-config file (FILE.json), got 'huge' (see 'pipeline --help')"], unknownModel.Stderr);
    }

    [Fact]
    public async Task A_model_config_file_trains_resumes_and_evaluates_from_its_checkpoints_alone()
    {
        using var folder = new TemporaryFolder();
        var (shards, eval, settings) = await SmallRunAsync(folder, seed: 3, """{ "Trainer": { "GlobalBatch": 8, "WarmupSteps": 1, "LogEvery": 1, "CheckpointEvery": 2, "TokenizerVocabulary": 600 } }""");
        // A user's own model in open_clip's form: one text layer, 16-wide vision heads.
        var model = folder.Combine("one-layer.json");
        await File.WriteAllTextAsync(model, """
            { "embed_dim": 48, "vision_cfg": { "image_size": 32, "layers": 1, "width": 64, "patch_size": 8, "head_width": 16 },
              "text_cfg": { "context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1 } }
            """);
        var run = folder.Combine("run");

        var first = await PipelineExecutable.RunAsync(["train", "--config", settings, "--model", model, "--steps", "4", "--shards", shards, "--out", run], timeoutSeconds: 300);
        Assert.True(first.ExitCode == 0, string.Join('\n', first.Stderr));
        // The file may go: the run carries the configuration itself.
        File.Delete(model);
        var resumed = await PipelineExecutable.RunAsync(["train", "--config", settings, "--model", "tiny", "--steps", "4", "--shards", shards, "--out", run, "--resume"], timeoutSeconds: 300);
        Assert.Equal(1, resumed.ExitCode);
        Assert.Contains(resumed.Stderr, l => l.Contains("another model configuration", StringComparison.Ordinal));

        var checkpoint = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Order(StringComparer.Ordinal).Last();
        var evaluated = await PipelineExecutable.RunAsync(["train", "eval", "--checkpoint", checkpoint, "--eval", eval], timeoutSeconds: 300);
        Assert.True(evaluated.ExitCode == 0, string.Join('\n', evaluated.Stderr));
        Assert.Contains(evaluated.Stdout, l => l.StartsWith("eval: ", StringComparison.Ordinal) && l.Contains("(step 4): top-1", StringComparison.Ordinal));

        var unsupported = folder.Combine("timm.json");
        await File.WriteAllTextAsync(unsupported, """{ "embed_dim": 48, "vision_cfg": { "timm_model_name": "vit_base" }, "text_cfg": {} }""");
        var refused = await PipelineExecutable.RunAsync(["train", "--model", unsupported, "--shards", shards, "--out", folder.Combine("other")]);
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith($"pipeline: error: --model {unsupported}: vision_cfg.timm_model_name is not supported", Assert.Single(refused.Stderr), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigLIPs_loss_with_accumulation_trains_its_bias_into_the_checkpoint_and_evaluates_from_it()
    {
        using var folder = new TemporaryFolder();
        var (shards, eval, settings) = await SmallRunAsync(folder, seed: 5, """{ "Trainer": { "GlobalBatch": 8, "WarmupSteps": 1, "LogEvery": 1, "TokenizerVocabulary": 600 } }""");
        var run = folder.Combine("run");

        var trained = await PipelineExecutable.RunAsync(["train", "--config", settings, "--loss", "siglip", "--accum-freq", "2", "--steps", "3", "--shards", shards, "--out", run], timeoutSeconds: 300);
        Assert.True(trained.ExitCode == 0, string.Join('\n', trained.Stderr));
        // Every logit starts near −10 (scale ln 10, bias −10): each positive costs about 10 and each negative almost
        // nothing, so SigLIP's loss starts near 10 (CLIP's near ln 8).
        var first = JsonDocument.Parse(File.ReadLines(Path.Combine(run, "metrics.jsonl")).First()).RootElement.GetProperty("loss").GetDouble();
        Assert.InRange(first, 5, 15);

        var checkpoint = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Order(StringComparer.Ordinal).Last();
        var evaluated = await PipelineExecutable.RunAsync(["train", "eval", "--checkpoint", checkpoint, "--eval", eval], timeoutSeconds: 300);
        Assert.True(evaluated.ExitCode == 0, string.Join('\n', evaluated.Stderr));
        Assert.Contains(evaluated.Stdout, l => l.StartsWith("eval: ", StringComparison.Ordinal) && l.Contains("(step 3): top-1", StringComparison.Ordinal));

        var tooMany = await PipelineExecutable.RunAsync(["train", "--config", settings, "--accum-freq", "9", "--shards", shards, "--out", folder.Combine("other")], timeoutSeconds: 300);
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Equal(["pipeline: error: Trainer:AccumulationSteps must be at most each rank's batch (8), got 9"], tooMany.Stderr);

        var clip = await PipelineExecutable.RunAsync(["train", "--config", settings, "--steps", "4", "--shards", shards, "--out", run, "--resume"], timeoutSeconds: 300);
        Assert.Equal(1, clip.ExitCode);
        Assert.Contains(clip.Stderr, l => l.Contains("loss SigLip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bf16_with_checkpointed_blocks_trains_from_the_flags_and_records_its_precision()
    {
        using var folder = new TemporaryFolder();
        var (shards, _, settings) = await SmallRunAsync(folder, seed: 7, """{ "Trainer": { "GlobalBatch": 8, "WarmupSteps": 1, "LogEvery": 1, "TokenizerVocabulary": 600 } }""");
        var run = folder.Combine("run");

        var trained = await PipelineExecutable.RunAsync(["train", "--config", settings, "--precision", "bf16", "--grad-checkpointing", "--steps", "2", "--shards", shards, "--out", run], timeoutSeconds: 300);
        Assert.True(trained.ExitCode == 0, string.Join('\n', trained.Stderr));
        var checkpoint = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Order(StringComparer.Ordinal).Last();
        var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(checkpoint, "state.json"))).RootElement;
        Assert.Equal("Bf16", state.GetProperty("precision").GetString());

        var refused = await PipelineExecutable.RunAsync(["train", "--precision", "fp8", "--shards", shards, "--out", folder.Combine("other")]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(refused.Stderr, l => l.Contains("fp8", StringComparison.Ordinal));
    }

    /// <summary>64 coloured-shape samples in shards, a labelled evaluation folder and a settings file with <paramref name="trainer"/>.</summary>
    private static async Task<(string Shards, string Eval, string Settings)> SmallRunAsync(TemporaryFolder folder, int seed, string trainer)
    {
        var shards = folder.Combine("shards");
        await ShapesDataset.WriteShardsAsync(new LocalFolderStore(shards), 64, 32, seed, shardSamples: 32, CancellationToken.None);
        var eval = folder.Combine("eval");
        ShapesDataset.WriteEvaluationFolder(eval, perClass: 2, imageSize: 32, seed: seed + 1);
        var settings = folder.Combine("train.json");
        await File.WriteAllTextAsync(settings, trainer);
        return (shards, eval, settings);
    }

    [Fact]
    public async Task A_bad_number_in_a_configuration_file_names_its_key_only()
    {
        using var folder = new TemporaryFolder();
        var settings = folder.Combine("train.json");
        await File.WriteAllTextAsync(settings, """{ "Trainer": { "Steps": 0 } }""");

        var result = await PipelineExecutable.RunAsync(["train", "--config", settings, "--shards", folder.Combine("shards"), "--out", folder.Combine("run")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["pipeline: error: Trainer:Steps must be at least 1, got 0"], result.Stderr);
    }
}
