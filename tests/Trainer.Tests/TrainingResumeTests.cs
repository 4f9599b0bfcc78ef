using Pipeline.Trainer.Training;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// A resumed run equals an uninterrupted one, step for step. Run alone: the weights' initialisation draws from
/// libtorch's process-wide generator, and another test drawing from it in between would change one run's weights.
/// </summary>
[Collection(nameof(TorchGeneratorIsolation))]
public sealed class TrainingResumeTests
{
    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    [InlineData(TrainingPrecision.Fp16)]
    public async Task Stopping_after_a_checkpoint_and_resuming_gives_the_same_losses_as_an_uninterrupted_run(TrainingPrecision precision)
    {
        using var fixture = await TrainerFixture.CreateAsync(200);
        // In bf16 and fp16 the checkpoint holds the fp32 master weights (and fp16's loss scale): a resume that read
        // rounded weights would drift from the uninterrupted run.
        var options = new TrainingOptions { Steps = 40, GlobalBatch = 16, WarmupSteps = 5, CheckpointEvery = 15, ShuffleBuffer = 50, GradientClip = 1.0, LogEvery = 1, Precision = precision };
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
}
