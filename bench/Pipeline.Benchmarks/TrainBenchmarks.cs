using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Pipeline.Trainer.Collectives;
using Pipeline.Trainer.Data;
using Pipeline.Trainer.Models;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Tokenization;
using Pipeline.Trainer.Training;

namespace Pipeline.Benchmarks;

/// <summary>
/// CLIP training throughput on the CPU: the whole step (shards, decode, tokenize, forward, backward, AdamW) beside
/// the same model's step on random tensors, so the ratio is what the data path costs; and the batch loader alone
/// (read, decode, resize, normalise, tokenize) beside a plain decode of the same images.
/// </summary>
internal static class TrainBenchmarks
{
    public static async Task RunAsync(int steps, int samples)
    {
        foreach (var (name, batch) in new[] { ("tiny", 64), ("small", 32) })
        {
            using var folder = new TemporaryFolder("bench-train");
            var config = ClipConfig.Named(name);
            var store = new LocalFolderStore(folder.Combine("shards"));
            // Stored at twice the model's size, as crawled images are larger than the model's input.
            await ShapesDataset.WriteShardsAsync(store, samples, 2 * config.ImageSize, seed: 1, shardSamples: 500, CancellationToken.None);
            var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
            var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(folder.Combine("tokenizer"), store, manifest, 2_000, samples, save: false, CancellationToken.None);
            config = config with { VocabularySize = tokenizer.VocabularySize };

            var warmup = 3;
            var random = TrainPrecisionBenchmarks.RandomTensorSteps(config, tokenizer.EndId, batch, steps, warmup);

            var clock = new Stopwatch();
            var options = new TrainingOptions { Model = name, Steps = steps + warmup, GlobalBatch = batch, WarmupSteps = 2, CheckpointEvery = int.MaxValue, LogEvery = int.MaxValue, ShuffleBuffer = 256 };
            await new ClipTrainer(options, new SingleProcessCollectives(), NullLogger.Instance).RunAsync(store, manifest, tokenizer, folder.Combine("run"), resume: false, r =>
            {
                if (r.Step == warmup)
                {
                    clock.Start();
                }
                else if (r.Step == steps + warmup)
                {
                    clock.Stop();
                }
            }, CancellationToken.None);
            var trained = steps * batch / clock.Elapsed.TotalSeconds;
            Console.WriteLine(new BenchResult($"train.samples_per_s ({name}, batch {batch}, {config.ImageSize}px, {Environment.ProcessorCount} cores)", steps * batch, trained, "the same model's forward, backward and AdamW step on random tensors", random).ToJson());

            await PrintLoaderAsync(store, manifest, tokenizer, config, batch, samples);
        }
    }

    /// <summary>The batch loader alone for the models <see cref="RunAsync"/> trains, without the training steps.</summary>
    public static async Task RunLoaderAsync(int samples)
    {
        foreach (var (name, batch) in new[] { ("tiny", 64), ("small", 32) })
        {
            using var folder = new TemporaryFolder("bench-loader");
            var config = ClipConfig.Named(name);
            var store = new LocalFolderStore(folder.Combine("shards"));
            await ShapesDataset.WriteShardsAsync(store, samples, 2 * config.ImageSize, seed: 1, shardSamples: 500, CancellationToken.None);
            var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
            var tokenizer = await CaptionTokenizerBuilder.LoadOrTrainAsync(folder.Combine("tokenizer"), store, manifest, 2_000, samples, save: false, CancellationToken.None);
            await PrintLoaderAsync(store, manifest, tokenizer, config with { VocabularySize = tokenizer.VocabularySize }, batch, samples);
        }
    }

    private static async Task PrintLoaderAsync(IShardStore store, ShardManifest manifest, ClipTokenizer tokenizer, ClipConfig config, int batch, int samples)
    {
        var options = new BatchLoaderOptions { GlobalBatch = batch };
        var (loaded, decoded) = await LoaderAsync(store, manifest, tokenizer, config, options, samples);
        var what = $"{2 * config.ImageSize}px PNG to {config.ImageSize}px, {options.DecodeThreads} decode threads, median of 3 alternating rounds";
        Console.WriteLine(new BenchResult($"train.loader_samples_per_s ({what})", samples, loaded.PerSecond, "plain NetVips decode of the same images to pixels, as many threads", decoded.PerSecond).ToJson());
        // Per CPU-second of this process as well: on a shared machine other processes' load moves wall-clock rates more than CPU time.
        Console.WriteLine(new BenchResult($"train.loader_samples_per_cpu_s ({what})", samples, loaded.PerCpuSecond, "the same plain decode, per CPU-second", decoded.PerCpuSecond).ToJson());
    }

    private static async Task<(Rate Loaded, Rate Decoded)> LoaderAsync(IShardStore store, ShardManifest manifest, ClipTokenizer tokenizer, ClipConfig config, BatchLoaderOptions options, int samples)
    {
        // Baseline: read the shards, then decode every image to pixels with plain NetVips on as many threads.
        var images = new List<byte[]>();
        await foreach (var sample in new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 256 }).ReadAsync(cancellationToken: CancellationToken.None))
        {
            images.Add(sample.Image);
        }

        // Alternating rounds, each side's median: a burst of load from other processes then hits one round of
        // one side, not the whole of it.
        const int Rounds = 3;
        var loaded = new List<Rate>();
        var decoded = new List<Rate>();
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < Rounds; round++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            Parallel.ForEach(images, new ParallelOptions { MaxDegreeOfParallelism = options.DecodeThreads }, image =>
            {
                using var decodedImage = NetVips.Image.NewFromBuffer(image);
                _ = decodedImage.WriteToMemory<byte>();
            });
            decoded.Add(Rate.Since(images.Count, clock, process, cpu));

            var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 256 });
            await using var loader = new BatchLoader(reader, tokenizer, new ImagePreprocessor(config.ImageSize), options, null, NullLogger.Instance);
            process.Refresh();
            cpu = process.TotalProcessorTime;
            clock.Restart();
            var batches = samples / options.GlobalBatch;
            for (var b = 0; b < batches; b++)
            {
                await loader.NextAsync(CancellationToken.None);
            }

            loaded.Add(Rate.Since(batches * options.GlobalBatch, clock, process, cpu));
        }

        return (Rate.Median(loaded), Rate.Median(decoded));
    }
}
