using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Crawler.Downloading;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Crawler.Stages;

/// <summary>Stage 5, one chunk at a time: downloads a chunk of a URL list, then writes its status log, its shard and its commit record.</summary>
public static class FetchStage
{
    private static readonly JsonSerializerOptions Record = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly JsonSerializerOptions JsonLine = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The commit record path of chunk <paramref name="name"/> in <paramref name="logFolder"/>.</summary>
    public static string CommitPath(string logFolder, string name) => Path.Combine(logFolder, name + ".json");

    /// <summary>Reads chunk <paramref name="name"/>'s commit record, or null while it is not committed.</summary>
    public static async Task<FetchChunkRecord?> LoadCommitAsync(string logFolder, string name, CancellationToken cancellationToken)
    {
        var path = CommitPath(logFolder, name);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<FetchChunkRecord>(stream, Record, cancellationToken);
    }

    /// <summary>
    /// Downloads <paramref name="batch"/> with <paramref name="concurrency"/> in flight and commits it as chunk <paramref name="name"/>;
    /// <paramref name="progress"/> hears the chunk's name and the URLs tried so far after each download (throttle it for lines).
    /// </summary>
    public static async Task<FetchChunkOutcome> FetchChunkAsync(
        ImageDownloader downloader, IShardStore store, ImageEncoding encoding, string logFolder, string name, UrlListRecord[] batch, int concurrency,
        CrawlStatistics statistics, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(downloader);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(statistics);
        var results = new ImageDownload[batch.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, batch.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                results[i] = await downloader.DownloadAsync(batch[i].Url, ct);
                statistics.Record(batch[i].Url, results[i].Error, results[i].DownloadedBytes);
                progress?.Report(new StageProgress("fetch", name, statistics.Attempted));
            });
        var record = await WriteChunkAsync(store, encoding, logFolder, name, batch, results, cancellationToken);
        return new FetchChunkOutcome(record, [.. results.Select(r => r.Succeeded)]);
    }

    /// <summary>The sample a fetched record becomes: key, URL, caption, page, fetch time and the pair's lineage, with its image.</summary>
    public static Sample SampleOf(UrlListRecord record, DateTimeOffset fetchTime, int width, int height, int originalWidth, int originalHeight, string sha256, byte[] image)
    {
        ArgumentNullException.ThrowIfNull(record);
        var lineage = record.Lineage;
        return new Sample
        {
            Key = KeyOf(record),
            Url = record.Url,
            Caption = record.Caption ?? string.Empty,
            Width = width,
            Height = height,
            OriginalWidth = originalWidth,
            OriginalHeight = originalHeight,
            Sha256 = sha256,
            Image = image,
            PageUrl = record.PageUrl,
            FetchTime = fetchTime,
            MatchedEntryIds = lineage?.MatchedEntryIds ?? [],
            KeptForEntry = lineage?.KeptForEntry,
            KeepProbability = lineage?.KeepProbability,
            Reserve = lineage?.Reserve,
        };
    }

    /// <summary>The sample key of a list record: its own key, else derived from URL and caption.</summary>
    public static string KeyOf(UrlListRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Key ?? SampleKey.Derive(record.Url, record.Caption ?? string.Empty);
    }

    /// <summary>Writes a chunk's status log, then its shard, then its commit record: a chunk with a record is complete and is never redone.</summary>
    private static async Task<FetchChunkRecord> WriteChunkAsync(
        IShardStore store, ImageEncoding encoding, string logFolder, string name, UrlListRecord[] batch, ImageDownload[] results, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(logFolder);
        var fetchTime = DateTimeOffset.UtcNow;
        await AtomicFile.WriteAsync(Path.Combine(logFolder, name + ".jsonl.gz"), async (stream, ct) =>
        {
            await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            await using var writer = new StreamWriter(gzip);
            for (var i = 0; i < batch.Length; i++)
            {
                var r = results[i];
                await writer.WriteLineAsync(JsonSerializer.Serialize(
                    new StatusLine(KeyOf(batch[i]), batch[i].Url, r.Succeeded ? "success" : "failed", r.Succeeded ? null : r.Error.ToString(), r.Reason, r.HttpStatus, r.DownloadedBytes, r.Image?.Width, r.Image?.Height, (long)r.Elapsed.TotalMilliseconds),
                    JsonLine));
            }
        }, cancellationToken);

        var ok = Enumerable.Range(0, batch.Length).Where(i => results[i].Succeeded).ToList();
        if (ok.Count > 0)
        {
            await using var shards = new ShardWriter(store, new ShardWriterOptions { NamePrefix = name, TargetSamples = int.MaxValue, TargetBytes = long.MaxValue, Encoding = encoding });
            foreach (var i in ok)
            {
                var image = results[i].Image!;
                await shards.WriteAsync(
                    SampleOf(batch[i], fetchTime, image.Width, image.Height, image.OriginalWidth, image.OriginalHeight, image.Sha256, image.Bytes),
                    cancellationToken);
            }

            await shards.CompleteAsync(cancellationToken);
        }

        var record = new FetchChunkRecord(name, batch.Length, ok.Count, ok.Count > 0 ? name + "-00000" : null);
        await AtomicFile.WriteAllBytesAsync(CommitPath(logFolder, name), JsonSerializer.SerializeToUtf8Bytes(record, Record), cancellationToken);
        return record;
    }

    private sealed record StatusLine(string Key, string Url, string Status, string? Error, string? Reason, int? HttpStatus, long Bytes, int? Width, int? Height, long Milliseconds);
}
