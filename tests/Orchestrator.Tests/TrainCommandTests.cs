using System.Globalization;
using System.Text.Json;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Tokenization;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

public sealed class TrainCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_of_half_the_batch_end_with_the_parameters_of_one_process_of_the_whole_batch()
    {
        using var folder = new TemporaryFolder();
        var shards = folder.Combine("shards");
        var store = new LocalFolderStore(shards);
        await ShapesDataset.WriteShardsAsync(store, 160, 32, seed: 5, shardSamples: 40, CancellationToken.None);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var tokenizerFolder = folder.Combine("tokenizer");
        var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(tokenizerFolder, store, manifest, 800, 1_000, save: true, CancellationToken.None);
        string[] Common(string run) =>
            ["train", "--shards", shards, "--out", run, "--tokenizer", tokenizerFolder, "--steps", "8", "--batch", "16", "--warmup", "2", "--lr", "1e-3",
             "--clip", "1", "--data-split", "batch-slices", "--threads", "1", "--checkpoint-every", "100", "--log-every", "1"];

        var one = await PipelineExecutable.RunAsync(Common(folder.Combine("one")), timeoutSeconds: 300);
        Assert.True(one.ExitCode == 0, string.Join('\n', one.Stderr));

        var two = folder.Combine("two");
        using var rank0 = PipelineExecutable.Start([.. Common(two), "--world-size", "2", "--rank", "0"]);
        using var rank1 = PipelineExecutable.Start([.. Common(two), "--world-size", "2", "--rank", "1"]);
        Assert.True(await rank0.WaitForExitAsync(TimeSpan.FromMinutes(5)) == 0, string.Join('\n', rank0.StandardError));
        Assert.True(await rank1.WaitForExitAsync(TimeSpan.FromMinutes(5)) == 0, string.Join('\n', rank1.StandardError));

        // The same losses step by step, and the same weights at the end, up to float rounding.
        var losses = (Read(folder.Combine("one")), Read(two));
        Assert.Equal(8, losses.Item1.Count);
        Assert.Equal(losses.Item1.Count, losses.Item2.Count);
        for (var i = 0; i < losses.Item1.Count; i++)
        {
            Assert.True(Math.Abs(losses.Item1[i] - losses.Item2[i]) < 1e-4, $"step {i + 1}: loss {losses.Item1[i]} in one process, {losses.Item2[i]} in two");
        }

        var config = ClipConfig.Tiny with { VocabularySize = tokenizer.VocabularySize };
        TorchSharp.torch.manual_seed(0); // as the runs did (seed 0), so this is the weights they started from
        using var initial = new ClipModel(config, tokenizer.EndId);
        using var single = new ClipModel(config, tokenizer.EndId);
        using var split = new ClipModel(config, tokenizer.EndId);
        CheckpointStore.LoadWeights(new CheckpointStore(Path.Combine(folder.Combine("one"), "checkpoints")).Latest()!, single, null);
        CheckpointStore.LoadWeights(new CheckpointStore(Path.Combine(two, "checkpoints")).Latest()!, split, null);
        double largest = 0, moved = 0;
        foreach (var ((name, a), (_, b), (_, c)) in single.named_parameters().Zip(split.named_parameters(), initial.named_parameters()))
        {
            var difference = (a - b).abs().max().item<float>();
            largest = Math.Max(largest, difference);
            Assert.True(difference < 2e-5, $"{name} differs by {difference}");
            moved = Math.Max(moved, (a - c).abs().max().item<float>());
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"losses {string.Join(", ", losses.Item1.Select(l => l.ToString("0.0000", CultureInfo.InvariantCulture)))}; largest parameter difference {largest:E2}; parameters moved up to {moved:E2} from the initial weights"));
        Assert.True(moved > 1e-3);
    }

    [Fact]
    public async Task Webdataset_store_trains_like_a_parquet_one()
    {
        using var folder = new TemporaryFolder();
        var parquet = new LocalFolderStore(folder.Combine("parquet"));
        await ShapesDataset.WriteShardsAsync(parquet, 96, 32, seed: 8, shardSamples: 32, CancellationToken.None);
        var tars = folder.Combine("wds");
        await Sharding.Conversion.ShardConverter.ConvertAsync(parquet, new LocalFolderStore(tars), Sharding.Samples.ShardFormat.Webdataset, null, CancellationToken.None);
        Assert.All(Directory.GetFiles(Path.Combine(tars, "shards")), f => Assert.EndsWith(".tar", f, StringComparison.Ordinal));

        var trained = await PipelineExecutable.RunAsync(["train", "--shards", tars, "--out", folder.Combine("run"), "--steps", "4", "--batch", "8", "--warmup", "1"], timeoutSeconds: 300);

        Assert.True(trained.ExitCode == 0, string.Join('\n', trained.Stderr));
        Assert.Contains(trained.Stdout, l => l.StartsWith("train: steps 1-4 done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Trains_with_progress_evaluates_on_demand_and_refuses_bad_settings_with_one_line()
    {
        using var folder = new TemporaryFolder();
        var shards = folder.Combine("shards");
        await ShapesDataset.WriteShardsAsync(new LocalFolderStore(shards), 200, 32, seed: 8, shardSamples: 50, CancellationToken.None);
        var eval = folder.Combine("eval");
        ShapesDataset.WriteEvaluationFolder(eval, perClass: 3, imageSize: 32, seed: 9);
        var run = folder.Combine("run");

        var trained = await PipelineExecutable.RunAsync(["train", "--shards", shards, "--out", run, "--steps", "30", "--batch", "16", "--warmup", "5", "--eval", eval, "--checkpoint-every", "20"], timeoutSeconds: 300);

        Assert.True(trained.ExitCode == 0, string.Join('\n', trained.Stderr));
        Assert.Contains(trained.Stdout, l => l.StartsWith("train: steps 1-30 done", StringComparison.Ordinal) && l.Contains("zero-shot top-1", StringComparison.Ordinal) && l.Contains("over 36 images of 12 classes", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(run, "tokenizer", "vocab.json")));
        Assert.Equal(["step-00000020", "step-00000030"], Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order());

        var evaluated = await PipelineExecutable.RunAsync(["train", "eval", "--checkpoint", run, "--eval", eval]);
        Assert.True(evaluated.ExitCode == 0, string.Join('\n', evaluated.Stderr));
        Assert.Contains(evaluated.Stdout, l => l.StartsWith("eval: ", StringComparison.Ordinal) && l.Contains("(step 30): top-1", StringComparison.Ordinal));

        var resumedWithOtherBatch = await PipelineExecutable.RunAsync(["train", "--shards", shards, "--out", run, "--steps", "40", "--batch", "8", "--resume"], timeoutSeconds: 300);
        Assert.Equal(1, resumedWithOtherBatch.ExitCode);
        Assert.Contains(resumedWithOtherBatch.Stderr, l => l.Contains("resume with the same", StringComparison.Ordinal));

        var badRank = await PipelineExecutable.RunAsync(["train", "--shards", shards, "--out", run, "--rank", "2", "--world-size", "2"]);
        Assert.Equal(2, badRank.ExitCode);
        Assert.Equal(["pipeline: error: --rank 2 is not within --world-size 2"], badRank.Stderr);

        var empty = folder.Combine("empty");
        Directory.CreateDirectory(empty);
        var noShards = await PipelineExecutable.RunAsync(["train", "--shards", empty, "--out", run]);
        Assert.Equal(2, noShards.ExitCode);
        Assert.Contains(noShards.Stderr, l => l.Contains("no committed shards to train on", StringComparison.Ordinal));

        var badConfig = await PipelineExecutable.RunAsync(["train", "--shards", shards, "--out", run, "--model", "huge"]);
        Assert.Equal(2, badConfig.ExitCode);
        Assert.Contains(badConfig.Stderr, l => l.Contains("--model must be one of tiny, small, ViT-B/32, ViT-B/16, ViT-L/14 or a model-config file (FILE.json), got 'huge'", StringComparison.Ordinal));
    }

    private static List<double> Read(string run) =>
        [.. File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).Where(e => e.TryGetProperty("loss", out _)).Select(e => e.GetProperty("loss").GetDouble())];
}
