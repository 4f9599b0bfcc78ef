using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Crawler.Downloading;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Manifest;
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

    /// <summary>The status log path of chunk (or retry round) <paramref name="name"/> in <paramref name="logFolder"/>.</summary>
    public static string LogPath(string logFolder, string name) => Path.Combine(logFolder, name + ".jsonl.gz");

    /// <summary>The name of retry round <paramref name="round"/> (from 1) of chunk <paramref name="name"/>: its log and commit record.</summary>
    public static string RoundName(string name, int round) => $"{name}.retry-{round}";

    /// <summary>The status lines of a log, in its order.</summary>
    public static async Task<List<FetchStatus>> ReadLogAsync(string path, CancellationToken cancellationToken)
    {
        var statuses = new List<FetchStatus>();
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            try
            {
                statuses.Add(JsonSerializer.Deserialize<FetchStatus>(line, JsonLine) ?? throw new JsonException("null"));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}: line {number} is not a status line: {ex.Message}", ex);
            }
        }

        return statuses;
    }

    /// <summary>
    /// Each entry's last status in committed chunk <paramref name="name"/>: its status log, then each committed retry
    /// round's in order; and how many rounds were committed.
    /// </summary>
    public static async Task<(Dictionary<string, FetchStatus> Latest, int Rounds)> LatestStatusesAsync(string logFolder, string name, CancellationToken cancellationToken)
    {
        var latest = (await ReadLogAsync(LogPath(logFolder, name), cancellationToken)).ToDictionary(s => s.Key, StringComparer.Ordinal);
        var rounds = 0;
        while (File.Exists(CommitPath(logFolder, RoundName(name, rounds + 1))))
        {
            rounds++;
            foreach (var status in await ReadLogAsync(LogPath(logFolder, RoundName(name, rounds)), cancellationToken))
            {
                latest[status.Key] = status;
            }
        }

        return (latest, rounds);
    }

    /// <summary>The tallies of every committed chunk in <paramref name="logFolder"/> by each entry's last status, over all runs and retry rounds.</summary>
    public static async Task<CrawlStatistics> MergedStatisticsAsync(string logFolder, CancellationToken cancellationToken)
    {
        var merged = new CrawlStatistics(metrics: false);
        if (!Directory.Exists(logFolder))
        {
            return merged;
        }

        // Chunk names have no dots (list stems are sanitized); a retry round's record is NAME.retry-N.json.
        foreach (var record in Directory.EnumerateFiles(logFolder, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(record);
            if (name.Contains('.', StringComparison.Ordinal) || !File.Exists(LogPath(logFolder, name)))
            {
                continue;
            }

            foreach (var status in (await LatestStatusesAsync(logFolder, name, cancellationToken)).Latest.Values)
            {
                merged.Record(status.Url, status.ErrorClass, status.Bytes);
            }
        }

        return merged;
    }

    /// <summary>
    /// Fetches again the entries of committed chunk <paramref name="name"/> whose last status is a retryable failure
    /// (<see cref="FetchStatus.Retryable"/>) and commits them as the chunk's next retry round: a status log of those
    /// entries, a shard of the new successes (<c>NAME-rN</c>) and a commit record. Earlier successes and shards are not
    /// touched. Null when nothing is left to retry. A round whose shard was committed before its record was written is
    /// completed from its log rather than fetched twice.
    /// </summary>
    public static async Task<FetchChunkRecord?> RetryChunkAsync(
        ImageDownloader downloader, IShardStore store, ShardWriterOptions shardOptions, string logFolder, string name, UrlListRecord[] batch, int concurrency,
        CrawlStatistics statistics, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(batch);
        var (latest, rounds) = await LatestStatusesAsync(logFolder, name, cancellationToken);
        var retry = batch.Where(r => latest.TryGetValue(KeyOf(r), out var status) && status.Retryable).ToArray();
        if (retry.Length == 0)
        {
            return null;
        }

        var round = RoundName(name, rounds + 1);
        var shardPrefix = $"{name}-r{rounds + 1}";
        // Only a round that wrote its log can have committed its shard: the manifest is read for those alone.
        if (File.Exists(LogPath(logFolder, round))
            && (await new ManifestStore(store).LoadAsync(cancellationToken)).Find(shardPrefix + "-00000") is { } committed)
        {
            var logged = await ReadLogAsync(LogPath(logFolder, round), cancellationToken);
            var done = new FetchChunkRecord(round, logged.Count, (int)committed.Samples, committed.Name);
            await AtomicFile.WriteAllBytesAsync(CommitPath(logFolder, round), JsonSerializer.SerializeToUtf8Bytes(done, Record), cancellationToken);
            return done;
        }

        var results = await DownloadAsync(downloader, retry, concurrency, name, statistics, progress, cancellationToken);
        return await WriteChunkAsync(store, shardOptions, logFolder, round, shardPrefix, retry, results, cancellationToken);
    }

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
    /// <paramref name="shardOptions"/> gives the shard's image encoding and file format; its name and size are the chunk's.
    /// </summary>
    public static async Task<FetchChunkOutcome> FetchChunkAsync(
        ImageDownloader downloader, IShardStore store, ShardWriterOptions shardOptions, string logFolder, string name, UrlListRecord[] batch, int concurrency,
        CrawlStatistics statistics, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = await DownloadAsync(downloader, batch, concurrency, name, statistics, progress, cancellationToken);
        var record = await WriteChunkAsync(store, shardOptions, logFolder, name, name, batch, results, cancellationToken);
        return new FetchChunkOutcome(record, [.. results.Select(r => r.Succeeded)]);
    }

    private static async Task<ImageDownload[]> DownloadAsync(
        ImageDownloader downloader, UrlListRecord[] batch, int concurrency, string name, CrawlStatistics statistics, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(downloader);
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
        return results;
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

    /// <summary>
    /// Writes a chunk's (or retry round's) status log, then its shard (each sample with its consent record and user agent),
    /// then its commit record: a chunk with a record is complete and is never redone.
    /// </summary>
    private static async Task<FetchChunkRecord> WriteChunkAsync(
        IShardStore store, ShardWriterOptions shardOptions, string logFolder, string name, string shardPrefix, UrlListRecord[] batch, ImageDownload[] results, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(logFolder);
        var fetchTime = DateTimeOffset.UtcNow;
        await AtomicFile.WriteAsync(LogPath(logFolder, name), async (stream, ct) =>
        {
            await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            await using var writer = new StreamWriter(gzip);
            for (var i = 0; i < batch.Length; i++)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(FetchStatus.Of(KeyOf(batch[i]), batch[i].Url, results[i]), JsonLine));
            }
        }, cancellationToken);

        var ok = Enumerable.Range(0, batch.Length).Where(i => results[i].Succeeded).ToList();
        if (ok.Count > 0)
        {
            await using var shards = new ShardWriter(store, shardOptions with { NamePrefix = shardPrefix, FirstIndex = 0, TargetSamples = int.MaxValue, TargetBytes = long.MaxValue });
            foreach (var i in ok)
            {
                var image = results[i].Image!;
                var consent = results[i].Consent;
                await shards.WriteAsync(
                    SampleOf(batch[i], results[i].FetchedAt ?? fetchTime, image.Width, image.Height, image.OriginalWidth, image.OriginalHeight, image.Sha256, image.Bytes)
                        with { Consent = consent?.Signals, UserAgent = consent?.UserAgent },
                    cancellationToken);
            }

            await shards.CompleteAsync(cancellationToken);
        }

        var record = new FetchChunkRecord(name, batch.Length, ok.Count, ok.Count > 0 ? shardPrefix + "-00000" : null);
        await AtomicFile.WriteAllBytesAsync(CommitPath(logFolder, name), JsonSerializer.SerializeToUtf8Bytes(record, Record), cancellationToken);
        return record;
    }
}
