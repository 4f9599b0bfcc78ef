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
        Assert.Equal(["pipeline: error: --model must be one of tiny, small, ViT-B/32, got 'huge' (see 'pipeline --help')"], unknownModel.Stderr);
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
