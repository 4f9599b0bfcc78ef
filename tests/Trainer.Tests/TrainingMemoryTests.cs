using System.Diagnostics;
using Pipeline.Trainer.Training;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// Measures this process's resident memory, so it runs alone: in the parallel collections the other tests'
/// fixtures come and go in the same process and move the figure by tens of MB (seen in CI: 724 to 763 MB).
/// </summary>
[Collection(nameof(ProcessMemoryMeasurement))]
public sealed class TrainingMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Process_memory_stays_flat_over_a_thousand_steps()
    {
        using var fixture = await TrainerFixture.CreateAsync(256);
        var options = new TrainingOptions { Steps = 1_000, GlobalBatch = 8, WarmupSteps = 10, CheckpointEvery = 10_000, ShuffleBuffer = 64, LogEvery = 100 };
        var resident = new long[options.Steps + 1];
        var managed = new long[options.Steps + 1];
        using var process = Process.GetCurrentProcess();
        await fixture.TrainAsync(options, fixture.Folder.Combine("run"), progress: r =>
        {
            process.Refresh();
            resident[r.Step] = process.WorkingSet64;
            managed[r.Step] = GC.GetGCMemoryInfo().TotalCommittedBytes;
        });

        // Allocator warm-up settles in the first steps; afterwards a leak of a 64 x 64 x 2 float tensor a step (32 KB,
        // a third of one batch's pixels) adds 3 MB in every stretch of 100 steps. RSS moves by a few MB either way
        // between stretches, so that is the resolution.
        var trend = ResidentMemoryTrend.Of(resident, 300, 1_000, 100);
        output.WriteLine($"resident memory {resident[300] >> 20} MB at step 300, {resident[1_000] >> 20} MB at step 1000; {trend}; managed by 100 steps: {string.Join(", ", Enumerable.Range(1, 10).Select(i => (managed[i * 100] >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture)))} MB");
        Assert.True(trend.MedianKbPerStep < 30, $"resident memory grows with the steps: {trend}");
    }
}
