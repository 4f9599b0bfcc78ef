using System.Text.Json;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Tests;

public sealed class BestCheckpointTests
{
    [Fact]
    public async Task The_best_evaluation_s_weights_are_kept_in_best_and_reload_to_the_recorded_accuracy_and_a_resumed_run_knows_its_best()
    {
        using var fixture = await TrainerFixture.CreateAsync(640);
        var eval = fixture.Folder.Combine("eval");
        ShapesDataset.WriteEvaluationFolder(eval, perClass: 5, imageSize: 32, seed: 99);
        var output = fixture.Folder.Combine("run");
        var options = new TrainingOptions { Steps = 60, GlobalBatch = 32, LearningRate = 2e-3, WarmupSteps = 5, CheckpointEvery = 30, EvalEvery = 10, EvalFolder = eval, LogEvery = 10, Threads = 1 };

        var outcome = await fixture.TrainAsync(options, output);

        // The rule, from the metrics: highest top-1, the earlier step on a tie.
        var evaluations = Evaluations(output);
        Assert.Equal([10, 20, 30, 40, 50, 60], evaluations.Select(e => e.Step));
        var expected = evaluations.OrderByDescending(e => e.Top1).ThenBy(e => e.Step).First();
        var best = outcome.Best!;
        Assert.Equal(expected.Step, best.Step);
        Assert.Equal(expected.Top1, best.Evaluation.Top1);
        Assert.Equal(expected.Top5, best.Evaluation.Top5);
        Assert.Equal(evaluations[^1].BestStep, best.Step);

        // Layout: one checkpoint in OUT/best, no partial folder left, weights without optimizer moments.
        var bestFolder = Path.Combine(output, CheckpointStore.BestFolder);
        Assert.Equal([$"step-{best.Step:D8}"], Directory.EnumerateFileSystemEntries(bestFolder).Select(Path.GetFileName));
        Assert.Equal(Path.Combine(bestFolder, $"step-{best.Step:D8}"), best.Path);
        Assert.True(File.Exists(Path.Combine(best.Path, CheckpointStore.ModelFile)));
        Assert.False(File.Exists(Path.Combine(best.Path, CheckpointStore.OptimizerFile)));
        var state = await CheckpointStore.ReadStateAsync(best.Path, CancellationToken.None);
        Assert.Equal(best.Step, state.Step);
        Assert.Equal(best.Evaluation, state.Evaluation);

        // Export and evaluation find the best in a run folder; resuming still uses the newest checkpoint.
        Assert.Equal(best.Path, CheckpointStore.Find(output));
        Assert.Equal(best.Path, CheckpointStore.Find(bestFolder));
        Assert.EndsWith("step-00000060", CheckpointStore.Find(Path.Combine(output, CheckpointStore.CheckpointsFolder)), StringComparison.Ordinal);
        Assert.Equal(CheckpointStore.Find(Path.Combine(output, CheckpointStore.CheckpointsFolder)), outcome.Checkpoint);
        Assert.Equal(output, CheckpointStore.RunFolderOf(best.Path));

        // The kept weights measure what was recorded.
        var config = ClipConfig.Resolve(state.Config) with { VocabularySize = fixture.Tokenizer.VocabularySize, ContextLength = fixture.Tokenizer.ContextLength };
        using (var model = new ClipModel(config, fixture.Tokenizer.EndId))
        {
            CheckpointStore.LoadWeights(best.Path, model, optimizer: null);
            var again = ZeroShotClassifier.Evaluate(model, fixture.Tokenizer, LabeledImageFolder.Open(eval));
            Assert.Equal(best.Evaluation.Top1, again.Top1);
            Assert.Equal(best.Evaluation.Top5, again.Top5);
        }

        // A resumed run starts from its best so far: it replaces it only with a strictly better evaluation.
        var resumed = await fixture.TrainAsync(options with { Steps = 90 }, output, resume: true);
        var after = Evaluations(output);
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90], after.Select(e => e.Step));
        var expectedAfter = after.OrderByDescending(e => e.Top1).ThenBy(e => e.Step).First();
        Assert.Equal(expectedAfter.Step, resumed.Best!.Step);
        Assert.Equal(expectedAfter.Top1, resumed.Best.Evaluation.Top1);
        Assert.True(resumed.Best.Step == best.Step || resumed.Best.Evaluation.Top1 > best.Evaluation.Top1);
        Assert.Single(Directory.EnumerateFileSystemEntries(bestFolder));

        // A fresh run into the same folder does not inherit another run's best.
        var fresh = await fixture.TrainAsync(options with { Steps = 10 }, output);
        Assert.Equal(10, fresh.Best!.Step);
        Assert.Equal([$"step-{10:D8}"], Directory.EnumerateFileSystemEntries(bestFolder).Select(Path.GetFileName));
    }

    private static List<(int Step, double Top1, double Top5, int? BestStep)> Evaluations(string output) =>
        [.. File.ReadLines(Path.Combine(output, ClipTrainer.MetricsFile))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(line => line.TryGetProperty("eval", out _))
            .Select(line => (
                line.GetProperty("step").GetInt32(),
                line.GetProperty("eval").GetProperty("top1").GetDouble(),
                line.GetProperty("eval").GetProperty("top5").GetDouble(),
                line.TryGetProperty("bestStep", out var b) && b.ValueKind == JsonValueKind.Number ? (int?)b.GetInt32() : null))];
}
