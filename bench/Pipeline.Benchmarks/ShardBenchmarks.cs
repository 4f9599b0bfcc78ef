using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// Shard write throughput beside a raw sequential write (and fsync) of the same image bytes to the same disk and
/// beside DuckDB writing the same rows to Parquet (<see cref="DuckDbShardBaseline"/>); shard read throughput (the
/// training reader, and <see cref="ShardFileReader"/> row group by row group) beside a raw sequential read of the
/// same files and beside DuckDB's <c>read_parquet</c> of its own files. The sides take turns within each run, so
/// load from other processes falls on all of them alike; each figure is the best of <c>runs</c>. Process CPU
/// seconds of each side's best run go to stderr (DuckDB may use several threads, we use one).
/// </summary>
internal static class ShardBenchmarks
{
    private const int ShardSamples = 5_000;
    private const int RowGroupSamples = 1_000;

    public static async Task RunAsync(TemporaryFolder temp, int samples, int imageBytes, int runs = 3)
    {
        var data = Enumerable.Range(0, samples).Select(i => MakeSample(i, imageBytes)).ToArray();
        var payload = data.Sum(s => (long)s.Image.Length + s.Key.Length + s.Url.Length + s.Caption.Length);
        var megabytes = payload / 1048576.0;
        using var duck = new DuckDbShardBaseline(data);
        var shardFiles = (samples + ShardSamples - 1) / ShardSamples;

        var rawWrite = new Best();
        var shardWrite = new Best();
        var duckWrite = new Best();
        string lastStore = "";
        string[] duckFiles = [];
        for (var run = 0; run < runs; run++)
        {
            var rawPath = temp.Combine($"raw-{run}.bin");
            await rawWrite.TimeAsync(megabytes, async () =>
            {
                await using var raw = new FileStream(rawPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                foreach (var sample in data)
                {
                    await raw.WriteAsync(sample.Image);
                }

                raw.Flush(flushToDisk: true);
            });
            File.Delete(rawPath);

            var store = temp.Combine($"shards-{run}");
            await shardWrite.TimeAsync(megabytes, async () =>
            {
                await using var writer = new ShardWriter(new LocalFolderStore(store), new ShardWriterOptions { TargetSamples = ShardSamples, RowGroupSamples = RowGroupSamples });
                foreach (var sample in data)
                {
                    await writer.WriteAsync(sample, CancellationToken.None);
                }

                await writer.CompleteAsync(CancellationToken.None);
            });
            DeleteFolder(lastStore);
            lastStore = store;

            var duckFolder = temp.Combine($"duckdb-{run}");
            await duckWrite.TimeAsync(megabytes, () =>
            {
                duckFiles = duck.Write(duckFolder, shardFiles, RowGroupSamples).Paths;
                return Task.CompletedTask;
            });
            if (run > 0)
            {
                DeleteFolder(temp.Combine($"duckdb-{run - 1}"));
            }
        }

        Console.WriteLine(new BenchResult("shard.write_mb_per_s", samples, shardWrite.Rounded, "raw sequential write and fsync of the image bytes, same disk", rawWrite.Rounded).ToJson());
        Console.WriteLine(new BenchResult("shard.write_vs_duckdb_mb_per_s", samples, shardWrite.Rounded, $"DuckDB COPY TO parquet of the same rows (snappy, {RowGroupSamples}-row groups, {shardFiles} files, fsync), {duck.Threads} threads", duckWrite.Rounded).ToJson());
        await Console.Error.WriteLineAsync($"shard.write cpu_s: ours {shardWrite.CpuSeconds:F2}, duckdb {duckWrite.CpuSeconds:F2}, raw {rawWrite.CpuSeconds:F2}; wall_s: ours {megabytes / shardWrite.Value:F2}, duckdb {megabytes / duckWrite.Value:F2}, raw {megabytes / rawWrite.Value:F2}; load {LoadAverage()}");

        var local = new LocalFolderStore(lastStore);
        var manifest = await new ManifestStore(local).LoadAsync(CancellationToken.None);
        var rawRead = new Best();
        var streamRead = new Best();
        var fileRead = new Best();
        var duckRead = new Best();
        for (var run = 0; run < runs; run++)
        {
            await rawRead.TimeAsync(samples, async () =>
            {
                var buffer = new byte[1 << 20];
                foreach (var shard in manifest.Shards)
                {
                    await using var file = new FileStream(local.Describe(shard.Path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                    while (await file.ReadAsync(buffer) > 0)
                    {
                    }
                }
            });

            await streamRead.TimeAsync(samples, async () =>
            {
                var count = 0;
                var reader = new ShardStreamReader(local, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 2_000 });
                await foreach (var unused in reader.ReadAsync())
                {
                    count++;
                }

                Check(count, samples);
            });

            await fileRead.TimeAsync(samples, async () =>
            {
                var count = 0;
                foreach (var shard in manifest.Shards)
                {
                    await using var file = await ShardFileReader.OpenAsync(local, shard, CancellationToken.None);
                    for (var g = 0; g < shard.RowGroups.Count; g++)
                    {
                        count += (await file.ReadRowGroupAsync(g, CancellationToken.None)).Length;
                    }
                }

                Check(count, samples);
            });

            await duckRead.TimeAsync(samples, () =>
            {
                Check(duck.Read(duckFiles).Rows, samples);
                return Task.CompletedTask;
            });
        }

        Console.WriteLine(new BenchResult("shard.read_samples_per_s", samples, streamRead.Rounded, "raw sequential read of the same shard files (samples/s)", rawRead.Rounded).ToJson());
        Console.WriteLine(new BenchResult("shard.read_vs_duckdb_samples_per_s", samples, streamRead.Rounded, $"DuckDB read_parquet of its files, all columns, each image copied out (samples/s), {duck.Threads} threads", duckRead.Rounded).ToJson());
        Console.WriteLine(new BenchResult("shard.file_read_vs_duckdb_samples_per_s", samples, fileRead.Rounded, $"DuckDB read_parquet of its files, all columns, each image copied out (samples/s), {duck.Threads} threads", duckRead.Rounded).ToJson());
        await Console.Error.WriteLineAsync($"shard.read cpu_s: stream {streamRead.CpuSeconds:F2}, file {fileRead.CpuSeconds:F2}, duckdb {duckRead.CpuSeconds:F2}, raw {rawRead.CpuSeconds:F2}; load {LoadAverage()}");
    }

    private static void Check(int count, int samples)
    {
        if (count != samples)
        {
            throw new InvalidOperationException($"read {count} samples, wrote {samples}");
        }
    }

    private static void DeleteFolder(string folder)
    {
        if (folder.Length > 0 && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

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
