using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Sources;
using Pipeline.Crawler.Stages;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline crawl extract|fetch</c>: candidates from WARC/WAT files and live pages; images for URL lists, into shards.</summary>
public static class CrawlCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string[]> Sources = new("sources")
    {
        Description = "WARC or WAT files (.warc, .warc.gz, .wat.gz; a name containing '.wat' is read as WAT), as local paths or http(s) URLs",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string[]> Seeds = new("--seed") { Description = "Crawl live pages from this URL (repeatable)", AllowMultipleArgumentsPerToken = true };

    private static readonly Option<string> CandidatesOut = new("--out") { Description = "Candidate file to write: JSON lines (.jsonl or .jsonl.gz) with key, url, caption, page_url, text_source", Required = true };

    private static readonly Option<int?> MaxPages = new Option<int?>("--max-pages") { Description = "Live crawl: most pages [default: 1000]" }.AtLeast(1);

    private static readonly Option<int?> MaxDepth = new Option<int?>("--max-depth") { Description = "Live crawl: most links followed from a seed, 0 for the seeds only [default: 2]" }.AtLeast(0);

    private static readonly Argument<string[]> Lists = new("lists")
    {
        Description = "URL lists (.txt, .csv, .tsv, .jsonl, each optionally .gz, or .parquet), e.g. the output of 'crawl extract' or 'curate balance'",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> FetchOut = new("--out") { Description = "Output folder: fetch/ logs and summary; also the shard store unless --store is given. Rerunning resumes", Required = true };

    private static readonly Option<string?> Store = new("--store") { Description = "Shard store for the images: a folder, azure://container/prefix or an https container URL [default: --out]" };

    private static readonly Option<int> Concurrency = new Option<int>("--concurrency") { Description = "Downloads in flight", DefaultValueFactory = _ => 64 }.AtLeast(1);

    private static readonly Option<bool> RetryFailed = new("--retry-failed") { Description = "In committed chunks, fetch again only the entries whose last status is a retryable failure (DNS, connection, timeout, open circuit, HTTP 429/5xx); successes are kept" };

    private static readonly Option<int> Chunk = new Option<int>("--chunk") { Description = "Entries per chunk; each chunk becomes one shard and is the unit of resume", DefaultValueFactory = _ => 5000 }.AtLeast(1);

    internal static readonly Option<int?> Size = new Option<int?>("--size") { Description = "Image size in pixels [default: 256]" }.AtLeast(1);

    internal static readonly Option<string?> ResizeModeOption = new("--resize-mode") { Description = "no, border, keep_ratio, keep_ratio_largest or center_crop [default: border]" };

    internal static readonly Option<string?> EncodingOption = new("--encoding") { Description = "jpg or webp [default: jpg]" };

    internal static readonly Option<int?> Quality = new Option<int?>("--quality") { Description = "Encoding quality 1-100 [default: 95]" }.Between(1, 100);

    internal static readonly Option<double?> Rate = new Option<double?>("--rate-per-host") { Description = "Requests per second to one host, 0 for no limit [default: 4]" }.AtLeast(0.0);

    private static readonly Option<string?> UrlColumn = new("--url-column") { Description = "List column holding the image URL [default: url]" };

    private static readonly Option<string?> CaptionColumn = new("--caption-column") { Description = "List column holding the text [default: caption]" };

    internal static readonly Option<bool> AllowLoopback = new("--allow-loopback") { Description = "Allow fetching from 127.0.0.1 and ::1 (tests and local demos); refused by default" };

    internal static readonly Option<bool> AllowPrivate = new("--allow-private-networks") { Description = "Allow fetching from private networks (10/8, 172.16/12, 192.168/16, fc00::/7); refused by default" };

    internal static readonly ConfigurationFlag[] NetworkFlags =
    [
        new(AllowLoopback, $"{NetworkSafetyOptions.Section}:{nameof(NetworkSafetyOptions.AllowLoopback)}"),
        new(AllowPrivate, $"{NetworkSafetyOptions.Section}:{nameof(NetworkSafetyOptions.AllowPrivateNetworks)}"),
    ];

    private static readonly ConfigurationFlag[] ExtractFlags =
    [
        .. NetworkFlags,
        new(MaxPages, LiveCrawlOptions.Key(nameof(LiveCrawlOptions.MaxPages))),
        new(MaxDepth, LiveCrawlOptions.Key(nameof(LiveCrawlOptions.MaxDepth))),
    ];

    private static readonly ConfigurationFlag[] FetchFlags =
    [
        .. NetworkFlags,
        new(Size, ImageOptions.Key(nameof(ImageOptions.Size))),
        new(ResizeModeOption, ImageOptions.Key(nameof(ImageOptions.ResizeMode)), mode => ((string)mode).Replace("_", string.Empty, StringComparison.Ordinal)),
        new(EncodingOption, ImageOptions.Key(nameof(ImageOptions.Encoding))),
        new(Quality, ImageOptions.Key(nameof(ImageOptions.Quality))),
        new(Rate, FetcherOptions.Key(nameof(FetcherOptions.RequestsPerSecondPerHost))),
        new(UrlColumn, $"{UrlListColumns.Section}:{nameof(UrlListColumns.Url)}"),
        new(CaptionColumn, $"{UrlListColumns.Section}:{nameof(UrlListColumns.Caption)}"),
        ShardFormatOption.Override,
    ];

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var extract = new Command("extract", "Extract image-text candidates from WARC/WAT files and live pages")
        {
            Sources, Seeds, CandidatesOut, MaxPages, MaxDepth, AllowLoopback, AllowPrivate,
        };
        extract.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, ExtractFlags), ExtractAsync, ct));
        var fetch = new Command("fetch", "Download, validate, resize and re-encode the images of URL lists into shards, with a status record per entry")
        {
            Lists, FetchOut, Store, Concurrency, Chunk, RetryFailed, Size, ResizeModeOption, EncodingOption, Quality, ShardFormatOption.Flag, Rate, UrlColumn, CaptionColumn, AllowLoopback, AllowPrivate,
        };
        fetch.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, FetchFlags), FetchAsync, ct));
        return new Command("crawl", "Crawling: extract candidates from web data, fetch images politely and safely; re-check committed samples") { extract, fetch, CrawlRefreshCommand.Create(cli) };
    }

    internal static HttpFetcher CreateFetcher(CommandContext context, ILoggerFactory logging, ConfigurationFlag[] flags)
    {
        try
        {
            return new HttpFetcher(context.Bind<FetcherOptions>(FetcherOptions.Section), context.Bind<NetworkSafetyOptions>(NetworkSafetyOptions.Section), logging.CreateLogger<HttpFetcher>());
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, flags);
        }
    }

    private static async Task<int> ExtractAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var sources = parse.GetValue(Sources) ?? [];
        var seeds = (parse.GetValue(Seeds) ?? []).Select(s => Uri.TryCreate(s, UriKind.Absolute, out var u) ? u : throw new PipelineConfigurationException($"--seed {s} is not an absolute URL")).ToList();
        if (sources.Length == 0 && seeds.Count == 0)
        {
            throw new PipelineConfigurationException("give WARC/WAT files or --seed URLs to extract from");
        }

        var output = parse.GetValue(CandidatesOut)!;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        }
        catch (IOException ex)
        {
            throw new PipelineConfigurationException($"--out {output}: cannot create its folder: {ex.Message}", ex);
        }

        var crawl = context.Bind<LiveCrawlOptions>(LiveCrawlOptions.Section);
        try
        {
            crawl.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, ExtractFlags);
        }

        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        using var fetcher = CreateFetcher(context, logging, ExtractFlags);
        var html = context.Bind<HtmlExtractionOptions>(HtmlExtractionOptions.Section);
        html.ProductToken = fetcher.Options.ProductToken;
        var problems = new List<SourceProblem>();
        var clock = Stopwatch.StartNew();
        long candidates = 0;
        var stage = new ExtractStage(fetcher, html, crawl);
        var progress = new ThrottledProgress<StageProgress>(TimeSpan.FromSeconds(2), p =>
            ConsoleProgress.Instance.Report(p with { Message = $"{p.Message}, {stage.Pages / clock.Elapsed.TotalSeconds:N1} pages/s" }));

        await AtomicFile.WriteAsync(output, async (stream, ct) =>
        {
            await using var compressed = output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true) : null;
            await using var writer = new StreamWriter(compressed ?? stream, leaveOpen: true);
            await foreach (var candidate in stage.ReadAsync(sources, seeds, problems.Add, progress, ct))
            {
                candidates++;
                await writer.WriteLineAsync(CandidateLine.From(candidate).ToJson());
            }
        }, cancellationToken);
        await context.Output.WriteLineAsync($"extract: {candidates:N0} candidates from {stage.Pages:N0} pages in {clock.Elapsed.TotalSeconds:0.0} s ({stage.Pages / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N1} pages/s), {problems.Count} problems; {output}");
        foreach (var problem in problems.Take(5))
        {
            await context.Output.WriteLineAsync($"  skipped {problem}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> FetchAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var output = parse.GetValue(FetchOut)!;
        var lists = parse.GetValue(Lists)!;
        foreach (var list in lists)
        {
            if (!File.Exists(list) || !UrlListFile.IsSupported(list))
            {
                throw new PipelineConfigurationException($"{list} is not a URL list file (.txt, .csv, .tsv, .jsonl, optionally .gz, or .parquet)");
            }
        }

        var chunkSize = parse.GetValue(Chunk);
        var concurrency = parse.GetValue(Concurrency);
        var imageOptions = context.Bind<ImageOptions>(ImageOptions.Section);
        var columns = context.Bind<UrlListColumns>(UrlListColumns.Section);
        var storeOptions = context.Bind<ShardStoreOptions>(ShardStoreOptions.Section);
        var shardOptions = new ShardWriterOptions { Encoding = imageOptions.Encoding, Format = ShardFormatOption.Resolve(context) };
        IShardStore store;
        try
        {
            imageOptions.Validate();
            store = ShardStoreLocation.Open(parse.GetValue(Store) ?? output, storeOptions);
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, FetchFlags);
        }

        await RequireUrlsAsync(lists, columns, cancellationToken);

        var logFolder = Path.Combine(output, "fetch");
        Directory.CreateDirectory(logFolder);
        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        using var fetcher = CreateFetcher(context, logging, FetchFlags);
        using var downloader = new ImageDownloader(fetcher, new ImageProcessor(imageOptions), Environment.ProcessorCount);
        var statistics = new CrawlStatistics();
        var clock = Stopwatch.StartNew();
        var progress = new ThrottledProgress<StageProgress>(TimeSpan.FromSeconds(2), p => ConsoleProgress.Instance.Report(p with
        {
            Message = $"{p.Message}: {statistics.Attempted:N0} done, {statistics.Succeeded / clock.Elapsed.TotalSeconds:N1} images/s, success {statistics.SuccessRate:P1}; top errors: {statistics.TopErrors(3)}",
        }));
        var problems = new List<UrlListProblem>();
        var retryFailed = parse.GetValue(RetryFailed);
        int chunks = 0, resumed = 0, retried = 0;
        foreach (var list in lists)
        {
            var stem = PartitionStem(list);
            var index = 0;
            await foreach (var batch in ReadListAsync(list, columns, problems.Add, cancellationToken).Chunk(chunkSize).WithCancellation(cancellationToken))
            {
                var name = $"{stem}-{index++:D5}";
                chunks++;
                if (File.Exists(FetchStage.CommitPath(logFolder, name)))
                {
                    resumed++;
                    if (!retryFailed)
                    {
                        Console.Error.WriteLine($"fetch: chunk {name} already done");
                    }
                    else if (await FetchStage.RetryChunkAsync(downloader, store, shardOptions, logFolder, name, batch, concurrency, statistics, progress, cancellationToken) is { } round)
                    {
                        retried += round.Entries;
                        Console.Error.WriteLine($"fetch: chunk {name} {round.Chunk["{name}.".Length..]} committed: {round.Images:N0} of {round.Entries:N0} failed entries fetched");
                    }
                    else
                    {
                        Console.Error.WriteLine($"fetch: chunk {name} has no retryable failures");
                    }

                    continue;
                }

                var record = await FetchStage.FetchChunkAsync(downloader, store, shardOptions, logFolder, name, batch, concurrency, statistics, progress, cancellationToken);
                var ok = record.Record.Images;
                Console.Error.WriteLine($"fetch: chunk {name} committed: {ok:N0} of {batch.Length:N0} images");
            }
        }

        // The summary describes every entry by its last status, over all runs and retry rounds; the line below, this run.
        var merged = await FetchStage.MergedStatisticsAsync(logFolder, cancellationToken);
        var summary = new FetchSummary(
            merged.Attempted, merged.Succeeded, Math.Round(merged.SuccessRate, 4), merged.Bytes, chunks, resumed, retried, Math.Round(clock.Elapsed.TotalSeconds, 2),
            merged.ErrorsByClass.ToDictionary(p => p.Key.ToString(), p => p.Value), merged.TopFailingHosts(10).ToDictionary(p => p.Key, p => p.Value), problems.Count);
        var summaryPath = Path.Combine(output, "fetch-summary.json");
        await AtomicFile.WriteAllBytesAsync(summaryPath, JsonSerializer.SerializeToUtf8Bytes(summary, Json), cancellationToken);
        await context.Output.WriteLineAsync(
            $"fetch: {statistics.Succeeded:N0} of {statistics.Attempted:N0} images ({statistics.SuccessRate:P1}) in {clock.Elapsed.TotalSeconds:0.0} s, {statistics.Succeeded / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N1} images/s; {chunks} chunks ({resumed} already done{(retryFailed ? $", {retried:N0} failed entries retried" : "")}); in all {merged.Succeeded:N0} of {merged.Attempted:N0} entries fetched; {store.Location}");
        if (statistics.ErrorsByClass.Count > 0)
        {
            await context.Output.WriteLineAsync($"  errors: {statistics.TopErrors(10)}");
        }

        foreach (var problem in problems.Take(5))
        {
            await context.Output.WriteLineAsync($"  skipped {problem}");
        }

        // URLs were tried and not one image came of them, in this run or before: the run failed, though every entry has
        // its status. A rerun over committed chunks tries nothing, and is not a failure.
        if (statistics.Attempted > 0 && merged.Succeeded == 0)
        {
            throw new PipelineFailureException($"none of {statistics.Attempted:N0} URLs was fetched (see {summaryPath}: {statistics.TopErrors(3)}; each URL's reason in {logFolder})");
        }

        return ExitCodes.Success;
    }

    /// <summary>Refuses a run whose lists hold no URL at all: there is nothing to fetch, and an empty output would hide the mistake.</summary>
    private static async Task RequireUrlsAsync(string[] lists, UrlListColumns columns, CancellationToken cancellationToken)
    {
        var problems = new List<UrlListProblem>();
        foreach (var list in lists)
        {
            await using var records = ReadListAsync(list, columns, problems.Add, cancellationToken).GetAsyncEnumerator(cancellationToken);
            if (await records.MoveNextAsync())
            {
                return;
            }
        }

        var unreadable = problems.Count == 0 ? "" : $" ({problems.Count:N0} unreadable entries; the first: {problems[0]})";
        throw new PipelineConfigurationException($"{string.Join(", ", lists)} {(lists.Length == 1 ? "holds" : "hold")} no URLs{unreadable}");
    }

    /// <summary>The entries of <paramref name="list"/>; a list that cannot be read at all is a configuration error naming it.</summary>
    private static async IAsyncEnumerable<UrlListRecord> ReadListAsync(string list, UrlListColumns columns, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var records = UrlListFile.ReadAsync(list, columns, problem, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await NextAsync(records))
        {
            yield return records.Current;
        }

        static async ValueTask<bool> NextAsync(IAsyncEnumerator<UrlListRecord> records)
        {
            try
            {
                return await records.MoveNextAsync();
            }
            catch (InvalidDataException ex)
            {
                throw new PipelineConfigurationException(ex.Message, ex);
            }
        }
    }

    internal static string PartitionStem(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var suffix in new[] { ".gz", ".parquet", ".jsonl", ".json", ".csv", ".tsv", ".txt" })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^suffix.Length];
            }
        }

        return new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
    }

    private sealed record FetchSummary(
        long Attempted, long Succeeded, double SuccessRate, long Bytes, int Chunks, int ChunksAlreadyDone, long RetriedEntries, double Seconds,
        IReadOnlyDictionary<string, long> ErrorsByClass, IReadOnlyDictionary<string, long> TopFailingHosts, int UnreadableEntries);
}
