using System.Diagnostics;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Training;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

public sealed class TrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_tiny_model_learns_coloured_shapes_zero_shot_far_above_chance_in_fp32_and_in_bf16_alike()
    {
        using var fixture = await TrainerFixture.CreateAsync(3_000);
        var eval = fixture.Folder.Combine("eval");
        ShapesDataset.WriteEvaluationFolder(eval, perClass: 20, imageSize: 32, seed: 99);
        var options = new TrainingOptions { Steps = 600, GlobalBatch = 64, LearningRate = 2e-3, WarmupSteps = 50, CheckpointEvery = 10_000, EvalFolder = eval, LogEvery = 50 };

        var before = ZeroShotAt(fixture, eval);
        var results = new Dictionary<TrainingPrecision, ZeroShotResult>();
        foreach (var precision in new[] { TrainingPrecision.Fp32, TrainingPrecision.Bf16 })
        {
            var clock = Stopwatch.StartNew();
            var outcome = await fixture.TrainAsync(options with { Precision = precision }, fixture.Folder.Combine($"run-{precision}"));

            var result = results[precision] = outcome.Evaluation!;
            output.WriteLine($"{precision}: {options.Steps} steps in {clock.Elapsed.TotalSeconds:F0} s; loss {outcome.Losses[0]:F3} -> {outcome.Losses[^1]:F3}; zero-shot top-1 {result.Top1:P1} (untrained {before.Top1:P1}), top-5 {result.Top5:P1}, chance {result.Chance:P1}");
            Assert.Equal(12, result.Classes);
            Assert.Equal(240, result.Images);
            Assert.True(result.Top1 >= 4 * result.Chance, $"{precision}: top-1 {result.Top1:P1} is below 4x chance ({4 * result.Chance:P1})");
            Assert.True(outcome.Losses.TakeLast(20).Average() < outcome.Losses.Take(20).Average() / 2);
        }

        var gap = Math.Abs(results[TrainingPrecision.Bf16].Top1 - results[TrainingPrecision.Fp32].Top1);
        Assert.True(gap <= 0.02, $"bf16's top-1 {results[TrainingPrecision.Bf16].Top1:P1} is more than 2 points from fp32's {results[TrainingPrecision.Fp32].Top1:P1}");
    }

    private static ZeroShotResult ZeroShotAt(TrainerFixture fixture, string eval)
    {
        using var model = new Models.ClipModel(Models.ClipConfig.Tiny with { VocabularySize = fixture.Tokenizer.VocabularySize }, fixture.Tokenizer.EndId);
        return ZeroShotClassifier.Evaluate(model, fixture.Tokenizer, LabeledImageFolder.Open(eval));
    }
}
