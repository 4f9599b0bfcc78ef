using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Stages;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Jobs;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline crawl refresh STORE</c>: re-checks committed samples' URLs; <c>--apply</c> writes the store without the dead and changed ones.</summary>
public static partial class CrawlRefreshCommand
{
    /// <summary>The step name of an apply: its records in the output store are <c>refresh/done/SHARD.json</c> and <c>refresh/dropped/SHARD.jsonl.gz</c>.</summary>
    public const string ApplyStep = "refresh";

    private static readonly Argument<string> Store = new("store") { Description = "The shard store to re-check: a folder, azure://container/prefix or an https container URL" };

    private static readonly Option<string?> Report = new("--report") { Description = "Folder of the refresh/NNNN reports [default: the store, when it is a folder]" };

    private static readonly Option<int?> MaxDistance = new Option<int?>("--max-distance") { Description = "Largest perceptual-hash Hamming distance at which a re-fetched image counts as the same [default: 8]" }.Between(0, 64);

    private static readonly Option<int?> Concurrency = new Option<int?>("--concurrency") { Description = "Samples checked at once [default: 64]" }.AtLeast(1);

    private static readonly Option<bool> Apply = new("--apply") { Description = "Drop the dead and changed samples of the last finished run from the store's shards, or write the store without them to --out (checking first when no run is finished)" };

    private static readonly Option<string?> Out = new("--out") { Description = "With --apply: write the refreshed store here (shards of the same names; one per run) instead of rewriting the checked store's shards in place" };

    private static readonly ConfigurationFlag[] Flags =
    [
        .. CrawlCommand.NetworkFlags,
        new(CrawlCommand.Size, ImageOptions.Key(nameof(ImageOptions.Size))),
        new(CrawlCommand.ResizeModeOption, ImageOptions.Key(nameof(ImageOptions.ResizeMode)), mode => ((string)mode).Replace("_", string.Empty, StringComparison.Ordinal)),
        new(CrawlCommand.Quality, ImageOptions.Key(nameof(ImageOptions.Quality))),
        new(CrawlCommand.Rate, Crawler.Fetching.FetcherOptions.Key(nameof(Crawler.Fetching.FetcherOptions.RequestsPerSecondPerHost))),
        new(MaxDistance, RefreshOptions.Key(nameof(RefreshOptions.MaxDistance))),
        new(Concurrency, RefreshOptions.Key(nameof(RefreshOptions.Concurrency))),
    ];

    /// <summary>The <c>refresh</c> subcommand of <c>crawl</c>.</summary>
    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var refresh = new Command("refresh", "Re-check committed samples' URLs (alive, changed, dead, unreachable) into a versioned report; --apply drops dead and changed ones")
        {
            Store, Report, MaxDistance, Concurrency, Apply, Out, CrawlCommand.Size, CrawlCommand.ResizeModeOption, CrawlCommand.Quality, CrawlCommand.Rate,
            CrawlCommand.AllowLoopback, CrawlCommand.AllowPrivate,
        };
        refresh.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, Flags), RunAsync, ct));
        return refresh;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var location = parse.GetValue(Store)!;
        var apply = parse.GetValue(Apply);
        var output = parse.GetValue(Out);
        if (!apply && output is not null)
        {
            throw new PipelineConfigurationException("--out is only used with --apply");
        }

        if (!location.Contains("://", StringComparison.Ordinal) && !Directory.Exists(location))
        {
            throw new PipelineConfigurationException($"store {location}: no such folder");
        }

        var imageOptions = context.Bind<ImageOptions>(ImageOptions.Section);
        var options = context.Bind<RefreshOptions>(RefreshOptions.Section);
        var storeOptions = context.Bind<ShardStoreOptions>(ShardStoreOptions.Section);
        IShardStore store;
        try
        {
            imageOptions.Validate();
            options.Validate();
            store = ShardStoreLocation.Open(location, storeOptions);
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, Flags);
        }
        catch (ShardStoreException ex)
        {
            throw new PipelineConfigurationException($"store {location}: {ex.Message}", ex);
        }

        var root = parse.GetValue(Report) ?? (store is LocalFolderStore local ? local.Root : throw new PipelineConfigurationException($"store {location} is not a folder: give --report DIR for the refresh reports"));
        var manifest = await LoadManifestAsync(store, location, cancellationToken);
        if (manifest.Shards.Count == 0)
        {
            throw new PipelineConfigurationException($"store {location} has no committed shards (no manifest.json): nothing to refresh");
        }

        // The stored images' encoding is the store's; size, resize mode and quality come from the flags (those of the fetch).
        imageOptions = imageOptions with { Encoding = manifest.ImageColumn is { } column ? SampleSchema.ParseColumnName(column) : imageOptions.Encoding };

        var run = apply && StageRunFinished(root) is { } finished ? finished : RefreshStage.RunToCheck(root);
        var runFolder = RefreshStage.RunFolder(root, run);
        RefreshSummary summary;
        if (File.Exists(RefreshStage.SummaryPath(runFolder)))
        {
            summary = await RefreshStage.LoadSummaryAsync(runFolder, cancellationToken);
        }
        else
        {
            summary = await CheckAsync(context, store, imageOptions, options, runFolder, cancellationToken);
        }

        await context.Output.WriteLineAsync(
            $"refresh: run {run:D4}: {summary.Samples:N0} samples in {summary.Shards} shards: {summary.Count(RefreshClass.Alive):N0} alive, {summary.Count(RefreshClass.Changed):N0} changed, "
            + $"{summary.Count(RefreshClass.Dead):N0} dead, {summary.Count(RefreshClass.Unreachable):N0} unreachable; {runFolder}");
        await context.Output.WriteLineAsync($"  statuses: {string.Join(", ", summary.ByStatus.Select(p => $"{p.Key} {p.Value:N0}"))}");
        if (apply)
        {
            await ApplyAsync(context, store, manifest, runFolder, output, storeOptions, cancellationToken);
        }

        return ExitCodes.Success;

        static int? StageRunFinished(string root)
        {
            var runs = RefreshStage.Runs(root);
            return runs.Count > 0 && File.Exists(RefreshStage.SummaryPath(RefreshStage.RunFolder(root, runs[^1]))) ? runs[^1] : null;
        }
    }

    private static async Task<ShardManifest> LoadManifestAsync(IShardStore store, string location, CancellationToken cancellationToken)
    {
        try
        {
            return await new ManifestStore(store).LoadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is ShardStoreException or IOException or UnauthorizedAccessException or ShardManifestException)
        {
            throw new PipelineConfigurationException($"store {location}: cannot read its manifest: {ex.Message}", ex);
        }
    }

    private static async Task<RefreshSummary> CheckAsync(
        CommandContext context, IShardStore store, ImageOptions imageOptions, RefreshOptions options, string runFolder, CancellationToken cancellationToken)
    {
        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        using var fetcher = CrawlCommand.CreateFetcher(context, logging, Flags);
        using var downloader = new ImageDownloader(fetcher, new ImageProcessor(imageOptions), Environment.ProcessorCount);
        var clock = Stopwatch.StartNew();
        var progress = new ThrottledProgress<StageProgress>(TimeSpan.FromSeconds(2), p => ConsoleProgress.Instance.Report(p with
        {
            Message = $"{p.Message}: {p.Done:N0} of {p.Total:N0} checked, {(p.Done ?? 0) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N1} samples/s",
        }));
        var summary = await RefreshStage.CheckAsync(downloader, store, PerceptualHash.Compute, options, runFolder, progress, cancellationToken);
        var logger = logging.CreateLogger(typeof(CrawlRefreshCommand));
        var byClass = summary.ByClass;
        LogChecked(logger, summary.Run, summary.Store, summary.Samples, byClass);
        return summary;
    }

    /// <summary>
    /// Drops each shard's dead and changed samples through the curation rewrite (<see cref="ShardRewriter"/>: a done record
    /// per shard, so a rerun redoes nothing): in place, each changed shard replacing its manifest entry as a takedown does,
    /// or, with <paramref name="output"/>, into another store under the same shard names. Then the run's manifest diff
    /// <c>diff.jsonl</c>: per shard the removed keys and the old and new entries.
    /// </summary>
    private static async Task ApplyAsync(
        CommandContext context, IShardStore store, ShardManifest manifest, string runFolder, string? output, ShardStoreOptions storeOptions, CancellationToken cancellationToken)
    {
        if (output is null)
        {
            await ApplyInPlaceAsync(context, store, manifest, runFolder, cancellationToken);
            return;
        }

        IShardStore target;
        try
        {
            target = ShardStoreLocation.Open(output, storeOptions);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"--out {output}: {ex.Message}", ex);
        }

        if (string.Equals(Path.GetFullPath(target.Location), Path.GetFullPath(store.Location), StringComparison.Ordinal))
        {
            throw new PipelineConfigurationException($"--out {output} is the checked store: give another store for the refreshed shards");
        }

        var runRecord = new AppliedRun(store.Location, Path.GetFileName(runFolder));
        var recordPath = $"{ApplyStep}/run.json";
        if (await StoreFile.ReadJsonAsync<AppliedRun>(target, recordPath, cancellationToken) is { } applied && applied != runRecord)
        {
            throw new PipelineConfigurationException($"--out {output} holds refresh run {applied.Run} of {applied.Store}: give a new store for run {runRecord.Run} of {runRecord.Store}");
        }

        await StoreFile.WriteJsonAsync(target, recordPath, runRecord, cancellationToken);
        var (removed, resumed, diffPath) = await RewriteShardsAsync(manifest, runFolder, target, skipUntouched: false,
            (entry, drop, ct) => ShardRewriter.RewriteAsync(store, target, ApplyStep, entry.Name, writeShard: true, entry.FileFormat, Dropping(drop), beforeDone: null, ct), cancellationToken);
        await context.Output.WriteLineAsync($"refresh: applied run {runRecord.Run}: {removed:N0} dead or changed samples removed from {manifest.Shards.Count} shards ({resumed} already applied); {target.Location}; diff {diffPath}");
    }

    private static async Task ApplyInPlaceAsync(CommandContext context, IShardStore store, ShardManifest manifest, string runFolder, CancellationToken cancellationToken)
    {
        // Done records per run: a later run's apply must not find this one's.
        var step = $"{ApplyStep}/{Path.GetFileName(runFolder)}/apply";
        var (removed, resumed, diffPath) = await RewriteShardsAsync(manifest, runFolder, store, skipUntouched: true,
            (entry, drop, ct) => ShardRewriter.RewriteInPlaceAsync(store, step, entry.Name, Dropping(drop), beforeDone: null, ct), cancellationToken);
        await context.Output.WriteLineAsync($"refresh: applied run {Path.GetFileName(runFolder)} in place: {removed:N0} dead or changed samples removed from {store.Location} ({resumed} shards already applied); diff {diffPath}");
    }

    /// <summary>
    /// Rewrites every checked shard with <paramref name="rewrite"/> (given the samples to drop), or with
    /// <paramref name="skipUntouched"/> only those that lose samples, streaming the diff a line per shard into
    /// <c>diff.jsonl</c>, published whole when every shard is done; returns the samples removed, the shards already done, and the diff's path.
    /// </summary>
    private static async Task<(long Removed, long Resumed, string DiffPath)> RewriteShardsAsync(
        ShardManifest manifest, string runFolder, IShardStore target, bool skipUntouched,
        Func<ShardEntry, Dictionary<string, RefreshLine>, CancellationToken, Task<WorkItemResult>> rewrite, CancellationToken cancellationToken)
    {
        long removed = 0, resumed = 0;
        var diffPath = Path.Combine(runFolder, "diff.jsonl");
        await AtomicFile.WriteAsync(diffPath, async (stream, ct) =>
        {
            await using var diff = new StreamWriter(stream, leaveOpen: true);
            foreach (var entry in manifest.Shards)
            {
                var lines = await RefreshStage.ReadShardLinesAsync(runFolder, entry.Name, ct)
                    ?? throw new PipelineFailureException($"{runFolder} has no result for shard {entry.Name}: the run did not check it");
                var drop = lines.Where(l => l.Drops).ToDictionary(l => l.Key, StringComparer.Ordinal);
                if (skipUntouched && drop.Count == 0)
                {
                    // Nothing to drop: the shard and its manifest entry stay as they are.
                    await diff.WriteLineAsync(JsonSerializer.Serialize(new ShardDiff(entry.Name, [], entry, entry), RefreshStage.Json).AsMemory(), ct);
                    continue;
                }

                var result = await rewrite(entry, drop, ct);
                resumed += result.Resumed ? 1 : 0;
                removed += result.Resumed ? 0 : result.Input - result.Output;
                var after = await new ManifestStore(target).FindAsync(entry.Name, ct);
                await diff.WriteLineAsync(JsonSerializer.Serialize(new ShardDiff(entry.Name, [.. drop.Keys.Order(StringComparer.Ordinal)], entry, after), RefreshStage.Json).AsMemory(), ct);
                ConsoleProgress.Instance.Report(new StageProgress("refresh", $"{entry.Name}: {result.Input - result.Output:N0} of {result.Input:N0} samples removed{(result.Resumed ? " (already applied)" : "")}"));
            }
        }, cancellationToken);
        return (removed, resumed, diffPath);
    }

    /// <summary>The rewrite's decision: drop the samples a refresh found dead or changed, with their class and reason; keep the rest.</summary>
    private static ShardRewriter.Decide Dropping(Dictionary<string, RefreshLine> drop) => (samples, _, _) =>
        Task.FromResult(samples.Select(s => drop.TryGetValue(s.Key, out var line)
            ? SampleOutcome.Drop(line.Class.ToString().ToLowerInvariant(), line.Reason, distance: line.Distance)
            : SampleOutcome.Keep(s)).ToArray());

    [LoggerMessage(Level = LogLevel.Information, Message = "Refresh run {Run} of {Store}: {Samples} samples, by class {ByClass}")]
    private static partial void LogChecked(ILogger logger, int run, string store, long samples, IReadOnlyDictionary<string, long> byClass);

    /// <summary>Which run of which store an output store holds.</summary>
    private sealed record AppliedRun(string Store, string Run);

    /// <summary>A line of <c>diff.jsonl</c>: a shard's removed keys, its entry in the checked store and in the refreshed one (null when nothing was left).</summary>
    private sealed record ShardDiff(string Shard, IReadOnlyList<string> RemovedKeys, ShardEntry Old, ShardEntry? New);
}
