using System.Diagnostics;
using System.Globalization;
using Pipeline.Trainer.Runtime;
using Pipeline.Trainer.Training;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The soak that would have caught the CI crash in <c>Tensor.add</c> ("Expected false to be true ... toFloat"):
/// thousands of tiny-model steps, checkpoints included, while another thread forces collections (hundreds a second) and a third
/// runs libtorch work whose tensors the finalizer frees. It measures resident memory, so it runs alone.
/// <c>bench ... soak</c> runs a longer one.
/// </summary>
[Collection(nameof(ProcessMemoryMeasurement))]
public sealed class TrainingSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Thousands_of_steps_under_forced_collections_and_parallel_libtorch_work_end_without_a_crash_and_with_flat_memory()
    {
        const int steps = 4_000;
        using var fixture = await TrainerFixture.CreateAsync(256);
        var options = new TrainingOptions { Steps = steps, GlobalBatch = 2, WarmupSteps = 10, CheckpointEvery = 1_000, ShuffleBuffer = 64, LogEvery = 500 };
        var resident = new long[steps + 1];
        using var process = Process.GetCurrentProcess();
        TrainingOutcome outcome;
        long collections, operations;
        Exception? failure;
        using (var stress = new LibtorchStress(TimeSpan.FromMilliseconds(1)))
        {
            outcome = await fixture.TrainAsync(options, fixture.Folder.Combine("run"), progress: r =>
            {
                process.Refresh();
                resident[r.Step] = process.WorkingSet64;
            });
            (collections, operations, failure) = (stress.Collections, stress.Operations, stress.Failure);
        }

        var trend = ResidentMemoryTrend.Of(resident, 500, steps, 250);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{steps} steps beside {collections} forced collections and {operations} libtorch passes; resident memory {resident[500] >> 20} MB at step 500, {resident[steps] >> 20} MB at the end; {trend}; final loss {outcome.Losses[^1]:F3}"));
        Assert.Null(failure);
        Assert.True(collections > 0 && operations > 0, "the stress threads did not run");
        Assert.Equal(steps, outcome.Losses.Count);
        Assert.All(outcome.Losses, loss => Assert.True(double.IsFinite(loss), $"loss {loss}"));
        Assert.True(trend.MedianKbPerStep < 30, $"resident memory grows with the steps: {trend}");
    }
}
