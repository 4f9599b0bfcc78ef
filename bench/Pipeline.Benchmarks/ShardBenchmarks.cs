using System.Diagnostics;
using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// Shard write throughput beside a raw sequential write (and fsync) of the same bytes to the same disk, and
/// training-reader throughput beside a raw sequential read of the same files. Best of three runs each.
/// </summary>
internal static class ShardBenchmarks
{
    public static async Task RunAsync(TemporaryFolder temp, int samples, int imageBytes)
    {
        var data = Enumerable.Range(0, samples).Select(i => MakeSample(i, imageBytes)).ToArray();
        var payload = data.Sum(s => (long)s.Image.Length + s.Key.Length + s.Url.Length + s.Caption.Length);
        var megabytes = payload / 1048576.0;

        double rawWrite = 0, shardWrite = 0;
        string lastStore = "";
        for (var run = 0; run < 3; run++)
        {
            var rawPath = temp.Combine($"raw-{run}.bin");
            var clock = Stopwatch.StartNew();
            await using (var raw = new FileStream(rawPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                foreach (var sample in data)
                {
                    await raw.WriteAsync(sample.Image);
                }

                raw.Flush(flushToDisk: true);
            }

            rawWrite = Math.Max(rawWrite, megabytes / clock.Elapsed.TotalSeconds);
            File.Delete(rawPath);

            lastStore = temp.Combine($"shards-{run}");
            clock.Restart();
            await using (var writer = new ShardWriter(new LocalFolderStore(lastStore), new ShardWriterOptions { TargetSamples = 5_000 }))
            {
                foreach (var sample in data)
                {
                    await writer.WriteAsync(sample, CancellationToken.None);
                }

                await writer.CompleteAsync(CancellationToken.None);
            }

            shardWrite = Math.Max(shardWrite, megabytes / clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine(new BenchResult("shard.write_mb_per_s", samples, Math.Round(shardWrite, 1), "raw sequential write and fsync of the image bytes, same disk", Math.Round(rawWrite, 1)).ToJson());

        var store = new LocalFolderStore(lastStore);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        double rawRead = 0, shardRead = 0;
        for (var run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            var buffer = new byte[1 << 20];
            foreach (var shard in manifest.Shards)
            {
                await using var file = new FileStream(store.Describe(shard.Path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                while (await file.ReadAsync(buffer) > 0)
                {
                }
            }

            rawRead = Math.Max(rawRead, samples / clock.Elapsed.TotalSeconds);

            clock.Restart();
            var count = 0;
            var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 2_000 });
            await foreach (var unused in reader.ReadAsync())
            {
                count++;
            }

            shardRead = Math.Max(shardRead, count / clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine(new BenchResult("shard.read_samples_per_s", samples, Math.Round(shardRead, 1), "raw sequential read of the same shard files (samples/s)", Math.Round(rawRead, 1)).ToJson());
    }

    private static Sample MakeSample(int index, int imageBytes)
    {
        var image = new byte[imageBytes];
        new Random(index).NextBytes(image);
        return new Sample
        {
            Key = $"{index:x16}",
            Url = $"https://images.example.org/{index}.jpg",
            Caption = $"a photo of thing number {index} on a table",
            Width = 256,
            Height = 256,
            OriginalWidth = 1024,
            OriginalHeight = 768,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)),
            Image = image,
            MatchedEntryIds = [index % 500_000],
            KeptForEntry = index % 500_000,
            KeepProbability = 0.5,
            PerceptualHash = (ulong)index,
            PageUrl = $"https://pages.example.org/{index / 10}",
            FetchTime = DateTimeOffset.UnixEpoch.AddSeconds(index),
        };
    }
}
