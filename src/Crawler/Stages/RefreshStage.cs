using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Crawler.Stages;

/// <summary>
/// Re-checks the URLs of a store's committed samples, shard by shard, through the polite fetcher: each image is
/// fetched and processed again and compared with the stored one (SHA-256, else perceptual hash within a distance),
/// and each sample is classed alive, changed, dead or unreachable. A run lives in <c>refresh/NNNN/</c>: a line file
/// per checked shard (<c>shards/SHARD.jsonl</c>, written atomically, the unit of resume), then <c>refresh.jsonl</c>
/// and <c>summary.json</c> (written last: a run with a summary is finished), and one line appended to
/// <c>refresh/datacard.jsonl</c>, the data card's refresh history.
/// </summary>
public static class RefreshStage
{
    /// <summary>The folder of refresh runs, under the report root.</summary>
    public const string Folder = "refresh";

    /// <summary>The data card's refresh history: one JSON line per finished run.</summary>
    public const string DataCardFile = "datacard.jsonl";

    /// <summary>JSON of the report files (camel case, classes as lower-case names).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };

    /// <summary>The folder of run <paramref name="run"/> under <paramref name="root"/>.</summary>
    public static string RunFolder(string root, int run) => Path.Combine(root, Folder, run.ToString("D4", CultureInfo.InvariantCulture));

    /// <summary>The summary path of a run folder; it exists once the run is finished.</summary>
    public static string SummaryPath(string runFolder) => Path.Combine(runFolder, "summary.json");

    /// <summary>The numbers of the runs under <paramref name="root"/>, in order.</summary>
    public static IReadOnlyList<int> Runs(string root)
    {
        var folder = Path.Combine(root, Folder);
        return !Directory.Exists(folder)
            ? []
            : [.. Directory.EnumerateDirectories(folder)
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
                .Where(n => n > 0).Order()];
    }

    /// <summary>The run a check continues: the last run when it is unfinished, else a new one.</summary>
    public static int RunToCheck(string root)
    {
        var runs = Runs(root);
        return runs.Count > 0 && !File.Exists(SummaryPath(RunFolder(root, runs[^1]))) ? runs[^1] : (runs.Count > 0 ? runs[^1] + 1 : 1);
    }

    /// <summary>The last finished run, or null.</summary>
    public static int? LastFinishedRun(string root) => Runs(root).Where(r => File.Exists(SummaryPath(RunFolder(root, r)))).Select(r => (int?)r).LastOrDefault();

    /// <summary>Reads a finished run's summary.</summary>
    public static async Task<RefreshSummary> LoadSummaryAsync(string runFolder, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(SummaryPath(runFolder));
        return await JsonSerializer.DeserializeAsync<RefreshSummary>(stream, Json, cancellationToken) ?? throw new InvalidDataException($"{SummaryPath(runFolder)} is empty");
    }

    /// <summary>The lines of one checked shard of a run, or null when that shard was not checked.</summary>
    public static async Task<List<RefreshLine>?> ReadShardLinesAsync(string runFolder, string shard, CancellationToken cancellationToken)
    {
        var path = ShardLinesPath(runFolder, shard);
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = new List<RefreshLine>();
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lines.Add(JsonSerializer.Deserialize<RefreshLine>(line, Json) ?? throw new InvalidDataException($"{path}: a null line"));
        }

        return lines;
    }

    /// <summary>
    /// Checks every committed sample of <paramref name="store"/> into run folder <paramref name="runFolder"/>; shards
    /// already checked in that folder are not fetched again. Memory is bounded by one shard's lines and a row group.
    /// </summary>
    /// <param name="downloader">Fetches (politely) and processes each image as the fetch stage did.</param>
    /// <param name="store">The store whose manifest names the samples.</param>
    /// <param name="perceptualHash">The 64-bit perceptual hash of encoded image bytes.</param>
    /// <param name="options">Distance threshold and concurrency.</param>
    /// <param name="runFolder">The run's folder (<see cref="RunFolder"/>).</param>
    /// <param name="progress">Hears the samples checked so far.</param>
    /// <param name="cancellationToken">Stops the check; finished shards stay finished.</param>
    public static async Task<RefreshSummary> CheckAsync(
        ImageDownloader downloader, IShardStore store, Func<byte[], ulong> perceptualHash, RefreshOptions options, string runFolder,
        IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(downloader);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(perceptualHash);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        Directory.CreateDirectory(Path.Combine(runFolder, "shards"));
        var startedPath = Path.Combine(runFolder, "started.json");
        if (!File.Exists(startedPath))
        {
            await AtomicFile.WriteAllBytesAsync(startedPath, JsonSerializer.SerializeToUtf8Bytes(DateTimeOffset.UtcNow, Json), cancellationToken);
        }

        var started = JsonSerializer.Deserialize<DateTimeOffset>(await File.ReadAllBytesAsync(startedPath, cancellationToken), Json);
        var total = manifest.TotalSamples;
        long done = 0;
        foreach (var entry in manifest.Shards)
        {
            var path = ShardLinesPath(runFolder, entry.Name);
            if (File.Exists(path))
            {
                done += entry.Samples;
                progress?.Report(new StageProgress("refresh", $"{entry.Name} already checked", done, total));
                continue;
            }

            var lines = new List<RefreshLine>();
            await using (var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken))
            {
                for (var g = 0; g < entry.RowGroups.Count; g++)
                {
                    var samples = await reader.ReadRowGroupAsync(g, cancellationToken);
                    var checkedLines = new RefreshLine[samples.Length];
                    await Parallel.ForEachAsync(
                        Enumerable.Range(0, samples.Length),
                        new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                        async (i, ct) =>
                        {
                            var download = await downloader.DownloadAsync(samples[i].Url, ct);
                            checkedLines[i] = Classify(entry.Name, samples[i], download, perceptualHash, options.MaxDistance);
                            progress?.Report(new StageProgress("refresh", entry.Name, Interlocked.Increment(ref done), total));
                        });
                    lines.AddRange(checkedLines);
                }
            }

            await AtomicFile.WriteAsync(path, async (stream, ct) =>
            {
                await using var writer = new StreamWriter(stream, leaveOpen: true);
                foreach (var line in lines)
                {
                    await writer.WriteLineAsync(JsonSerializer.Serialize(line, Json).AsMemory(), ct);
                }
            }, cancellationToken);
        }

        // The run's report, in manifest order, from the per-shard files; then the summary, which finishes the run.
        var byClass = Enum.GetValues<RefreshClass>().ToDictionary(c => c.ToString().ToLowerInvariant(), _ => 0L, StringComparer.Ordinal);
        var byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long samplesChecked = 0;
        await AtomicFile.WriteAsync(Path.Combine(runFolder, "refresh.jsonl"), async (stream, ct) =>
        {
            await using var writer = new StreamWriter(stream, leaveOpen: true);
            foreach (var entry in manifest.Shards)
            {
                foreach (var line in await ReadShardLinesAsync(runFolder, entry.Name, ct) ?? [])
                {
                    samplesChecked++;
                    byClass[line.Class.ToString().ToLowerInvariant()]++;
                    var status = line.Status?.ToString(CultureInfo.InvariantCulture) ?? line.Error ?? "none";
                    byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                    await writer.WriteLineAsync(JsonSerializer.Serialize(line, Json).AsMemory(), ct);
                }
            }
        }, cancellationToken);

        var run = int.Parse(Path.GetFileName(Path.TrimEndingDirectorySeparator(runFolder)), NumberStyles.None, CultureInfo.InvariantCulture);
        var summary = new RefreshSummary(run, store.Location, manifest.Shards.Count, samplesChecked, byClass, byStatus, started, DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 2));
        await AppendDataCardAsync(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runFolder))!, summary, cancellationToken);
        await AtomicFile.WriteAllBytesAsync(SummaryPath(runFolder), JsonSerializer.SerializeToUtf8Bytes(summary, Indented), cancellationToken);
        return summary;
    }

    /// <summary>Classes one sample from its fresh download; <paramref name="maxDistance"/> is the largest pHash distance that counts as the same image.</summary>
    public static RefreshLine Classify(string shard, Sample sample, ImageDownload download, Func<byte[], ulong> perceptualHash, int maxDistance)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(download);
        ArgumentNullException.ThrowIfNull(perceptualHash);
        var error = download.Succeeded ? null : download.Error.ToString();
        if (download.Image is { } image)
        {
            if (string.Equals(image.Sha256, sample.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return new RefreshLine(sample.Key, sample.Url, shard, download.HttpStatus, null, RefreshClass.Alive, "same bytes (SHA-256)", 0);
            }

            var stored = sample.PerceptualHash ?? perceptualHash(sample.Image);
            var distance = System.Numerics.BitOperations.PopCount(stored ^ perceptualHash(image.Bytes));
            return distance <= maxDistance
                ? new RefreshLine(sample.Key, sample.Url, shard, download.HttpStatus, null, RefreshClass.Alive, $"same image (perceptual hash distance {distance} <= {maxDistance})", distance)
                : new RefreshLine(sample.Key, sample.Url, shard, download.HttpStatus, null, RefreshClass.Changed, $"different image (perceptual hash distance {distance} > {maxDistance})", distance);
        }

        var reason = download.Reason ?? download.Error.ToString();
        var refreshClass = download.Error switch
        {
            FetchErrorClass.Timeout or FetchErrorClass.Connection or FetchErrorClass.CircuitOpen or FetchErrorClass.Protocol => RefreshClass.Unreachable,
            FetchErrorClass.HttpStatus when download.HttpStatus is null or 408 or 429 or >= 500 => RefreshClass.Unreachable,
            FetchErrorClass.NotAnImage or FetchErrorClass.DecodeError or FetchErrorClass.ImageTooSmall or FetchErrorClass.ImageTooLarge or FetchErrorClass.TooLarge => RefreshClass.Changed,
            _ => RefreshClass.Dead,
        };
        return new RefreshLine(sample.Key, sample.Url, shard, download.HttpStatus, error, refreshClass, reason, null);
    }

    private static string ShardLinesPath(string runFolder, string shard) => Path.Combine(runFolder, "shards", shard + ".jsonl");

    /// <summary>Appends the run's line to the data card's refresh history, once: a resumed run finds its line and adds none.</summary>
    private static async Task AppendDataCardAsync(string folder, RefreshSummary summary, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, DataCardFile);
        var line = JsonSerializer.Serialize(
            new
            {
                run = summary.Run,
                finished = summary.Finished,
                samples = summary.Samples,
                alive = summary.Count(RefreshClass.Alive),
                changed = summary.Count(RefreshClass.Changed),
                dead = summary.Count(RefreshClass.Dead),
                unreachable = summary.Count(RefreshClass.Unreachable),
            },
            Json);
        var prefix = $"{{\"run\":{summary.Run},";
        if (File.Exists(path) && (await File.ReadAllLinesAsync(path, cancellationToken)).Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return;
        }

        await File.AppendAllTextAsync(path, line + "\n", cancellationToken);
    }
}
