using System.Diagnostics;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Training;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

public sealed class TrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_tiny_model_learns_coloured_shapes_zero_shot_far_above_chance()
    {
        using var fixture = await TrainerFixture.CreateAsync(3_000);
        var eval = fixture.Folder.Combine("eval");
        ShapesDataset.WriteEvaluationFolder(eval, perClass: 20, imageSize: 32, seed: 99);
        var options = new TrainingOptions { Steps = 600, GlobalBatch = 64, LearningRate = 2e-3, WarmupSteps = 50, CheckpointEvery = 10_000, EvalFolder = eval, LogEvery = 50 };

        var before = ZeroShotAt(fixture, eval);
        var clock = Stopwatch.StartNew();
        var outcome = await fixture.TrainAsync(options, fixture.Folder.Combine("run"));

        var result = outcome.Evaluation!;
        output.WriteLine($"{options.Steps} steps in {clock.Elapsed.TotalSeconds:F0} s; loss {outcome.Losses[0]:F3} -> {outcome.Losses[^1]:F3}; zero-shot top-1 {result.Top1:P1} (untrained {before.Top1:P1}), top-5 {result.Top5:P1}, chance {result.Chance:P1}");
        Assert.Equal(12, result.Classes);
        Assert.Equal(240, result.Images);
        Assert.True(result.Top1 >= 4 * result.Chance, $"top-1 {result.Top1:P1} is below 4x chance ({4 * result.Chance:P1})");
        Assert.True(outcome.Losses.TakeLast(20).Average() < outcome.Losses.Take(20).Average() / 2);
    }

    [Fact]
    public async Task Stopping_after_a_checkpoint_and_resuming_gives_the_same_losses_as_an_uninterrupted_run()
    {
        using var fixture = await TrainerFixture.CreateAsync(200);
        var options = new TrainingOptions { Steps = 40, GlobalBatch = 16, WarmupSteps = 5, CheckpointEvery = 15, ShuffleBuffer = 50, GradientClip = 1.0, LogEvery = 1 };
        var uninterrupted = await fixture.TrainAsync(options, fixture.Folder.Combine("whole"));

        // Killed during step 21: the checkpoint of step 15 is the newest whole one.
        var run = fixture.Folder.Combine("stopped");
        using (var kill = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.TrainAsync(options, run, progress: r =>
            {
                if (r.Step == 20)
                {
                    kill.Cancel();
                }
            }, cancellationToken: kill.Token));
        }

        var resumed = await fixture.TrainAsync(options, run, resume: true);

        Assert.Equal(15, resumed.FirstStep);
        Assert.Equal(uninterrupted.Losses.Skip(15), resumed.Losses);
        var steps = File.ReadLines(Path.Combine(run, ClipTrainer.MetricsFile)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 40), steps);
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(run, "checkpoints")).Length);
    }

    private static ZeroShotResult ZeroShotAt(TrainerFixture fixture, string eval)
    {
        using var model = new Models.ClipModel(Models.ClipConfig.Tiny with { VocabularySize = fixture.Tokenizer.VocabularySize }, fixture.Tokenizer.EndId);
        return ZeroShotClassifier.Evaluate(model, fixture.Tokenizer, LabeledImageFolder.Open(eval));
    }
}
