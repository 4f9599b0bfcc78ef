using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Runtime;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;

namespace Pipeline.Benchmarks;

/// <summary>
/// The long soak: tiny-model training for many steps while <see cref="LibtorchStress"/> forces collections and runs
/// libtorch work beside it, then the same training without the stress as the baseline. Prints the step rate of
/// both and the resident-memory growth of both; a native-lifetime bug ends the run with libtorch's error instead.
/// </summary>
internal static class SoakBenchmarks
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int steps)
    {
        using var folder = new TemporaryFolder("bench-soak");
        var store = new LocalFolderStore(folder.Combine("shards"));
        await ShapesDataset.WriteShardsAsync(store, 256, 32, seed: 1, shardSamples: 64, CancellationToken.None);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(folder.Combine("tokenizer"), store, manifest, 1_000, 10_000, save: false, CancellationToken.None);

        var (stressedRate, stressedGrowth, collections) = await TrainAsync(store, manifest, tokenizer, folder.Combine("stressed"), steps, stress: true);
        var (plainRate, plainGrowth, _) = await TrainAsync(store, manifest, tokenizer, folder.Combine("plain"), steps, stress: false);
        var name = $"tiny, batch 8, {steps} steps, {Environment.ProcessorCount} cores";
        Console.WriteLine(new BenchResult($"soak.steps_per_s ({name}, beside {collections} forced collections and libtorch work)", steps, stressedRate, "the same training without the stress threads", plainRate).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = $"soak.rss_growth_mb ({name}; resident memory of the last tenth of the steps minus that of the second tenth)",
            growth_mb = Math.Round(stressedGrowth, 1),
            baseline = "the same training without the stress threads",
            baseline_growth_mb = Math.Round(plainGrowth, 1),
        }, Json));
    }

    private static async Task<(double StepsPerSecond, double GrowthMb, long Collections)> TrainAsync(
        LocalFolderStore store, ShardManifest manifest, ClipTokenizer tokenizer, string output, int steps, bool stress)
    {
        var options = new TrainingOptions { Steps = steps, GlobalBatch = 8, WarmupSteps = 10, CheckpointEvery = Math.Max(1, steps / 4), ShuffleBuffer = 64, LogEvery = 500 };
        var resident = new long[steps + 1];
        using var process = Process.GetCurrentProcess();
        using var stressing = stress ? new LibtorchStress(TimeSpan.FromMilliseconds(1)) : null;
        var clock = Stopwatch.StartNew();
        await new ClipTrainer(options, new SingleProcessCollectives(), NullLogger.Instance).RunAsync(store, manifest, tokenizer, output, resume: false, r =>
        {
            process.Refresh();
            resident[r.Step] = process.WorkingSet64;
        }, CancellationToken.None);
        var elapsed = clock.Elapsed.TotalSeconds;
        if (stressing?.Failure is { } failure)
        {
            throw new InvalidOperationException($"the stress thread failed: {failure.Message}", failure);
        }

        var tenth = Math.Max(1, steps / 10);
        var growth = (resident[(steps - tenth)..steps].Average() - resident[tenth..(2 * tenth)].Average()) / (1 << 20);
        return (steps / elapsed, growth, stressing?.Collections ?? 0);
    }
}
