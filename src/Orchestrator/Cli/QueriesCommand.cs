using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Curation.Pageviews;
using Pipeline.Curation.Queries;
using Pipeline.Curation.Wikipedia;
using Pipeline.Curation.WordNet;
using Pipeline.Orchestrator.Grains.Queries;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// <c>pipeline queries build|stats</c>: the query entries from a Wikipedia dump, hourly pageviews and WordNet.
/// Dump partitions and bucket merges run in this process, or, with <c>--cluster</c>, on the cluster's silos.
/// </summary>
public static class QueriesCommand
{
    private static readonly JsonSerializerOptions Json = new(QueryWorker.Json) { WriteIndented = true };

    private static readonly Option<string?> Wiki = new("--wiki") { Description = "A pages-articles dump: .xml, .xml.bz2, or -multistream.xml.bz2 (split into partitions with its index)" };

    private static readonly Option<string?> WikiIndex = new("--wiki-index") { Description = "The multistream index [default: NAME-multistream-index.txt.bz2 beside the dump]" };

    private static readonly Option<string[]> Pageviews = new("--pageviews") { Description = "Hourly pageview files (pageviews-YYYYMMDD-HH0000.gz) or folders of them", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = true };

    private static readonly Option<string?> WordNetFolder = new("--wordnet") { Description = "A WordNet 3.x dict folder [default: $WNSEARCHDIR, then Debian's /usr/share/wordnet]" };

    private static readonly Option<bool> NoWordNet = new("--no-wordnet") { Description = "Leave WordNet synset names out" };

    private static readonly Option<string> Output = new("--out") { Description = "The entry file (.parquet); NAME-summary.json is written beside it", Required = true };

    private static readonly Option<string?> Work = new("--work") { Description = "Work folder of counts and merges, shared by all workers; rerunning resumes [default: NAME.work beside --out]" };

    private static readonly Option<int> Parallel = new Option<int>("--parallel") { Description = "Work items in flight (a cluster's silos share them)", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);

    private static readonly Option<long?> MinWordCount = new Option<long?>("--min-word-count") { Description = "Fewest occurrences of a word [default: 100]" }.AtLeast(1L);

    private static readonly Option<double?> MinBigramPmi = new Option<double?>("--min-bigram-pmi") { Description = "Smallest bigram PMI as the ratio p(ab)/(p(a)p(b)) [default: 30]" }.AtLeast(0.0);

    private static readonly Option<long?> MinBigramCount = new Option<long?>("--min-bigram-count") { Description = "Fewest occurrences of a bigram [default: 100]" }.AtLeast(1L);

    private static readonly Option<long?> MinTitleViews = new Option<long?>("--min-title-views") { Description = "Fewest summed views of a title [default: 70]" }.AtLeast(1L);

    private static readonly Option<long?> MinHourlyViews = new Option<long?>("--min-hourly-views") { Description = "Fewest views in an hour for the hour to count [default: 50]" }.AtLeast(1L);

    private static readonly Option<string?> Domains = new("--pageview-domains") { Description = "Domain codes whose views count, comma-separated [default: en,en.m]" };

    private static readonly Option<int?> MaxNumber = new Option<int?>("--max-number") { Description = "Numbers 0..N are entries, -1 for none [default: 99]" }.AtLeast(-1);

    private static readonly Option<long?> PartitionMb = new Option<long?>("--partition-mb") { Description = "Compressed MB of a multistream dump per work item, 0 for one bzip2 stream each [default: 64]" }.Between(0L, 1L << 20);

    private static readonly Option<int?> Buckets = new Option<int?>("--buckets") { Description = "Hash buckets of the counts, merged in parallel [default: 16]" }.Between(1, 4096);

    private static readonly Option<int?> MaxEntries = new Option<int?>("--max-entries-in-memory") { Description = "Distinct words + bigrams a worker holds before spilling sorted runs; 32 bytes of bigram buffer each [default: 8000000]" }.AtLeast(1000);

    private static readonly Option<bool> SkipFailed = new("--skip-failed-partitions") { Description = "Build from the readable partitions when some fail, instead of writing nothing" };

    private static readonly Argument<string> File = new("file") { Description = "An entry file written by 'queries build'" };

    private static readonly Option<int> Top = new Option<int>("--top") { Description = "Examples per source", DefaultValueFactory = _ => 10 }.AtLeast(0);

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the statistics as JSON" };

    private static readonly ConfigurationFlag[] BuildFlags =
    [
        new(MinWordCount, QueryOptions.Key(nameof(QueryOptions.MinUnigramCount))),
        new(MinBigramPmi, QueryOptions.Key(nameof(QueryOptions.MinBigramPmi))),
        new(MinBigramCount, QueryOptions.Key(nameof(QueryOptions.MinBigramCount))),
        new(MinTitleViews, QueryOptions.Key(nameof(QueryOptions.MinTitleViews))),
        new(MinHourlyViews, QueryOptions.Key(nameof(QueryOptions.MinHourlyViews))),
        new(Domains, QueryOptions.Key(nameof(QueryOptions.PageviewDomains))),
        new(MaxNumber, QueryOptions.Key(nameof(QueryOptions.MaxNumber))),

        // 0 MB: every bzip2 stream is its own partition.
        new(PartitionMb, QueryOptions.Key(nameof(QueryOptions.PartitionBytes)), mb => Math.Max(1, (long)mb << 20).ToString(CultureInfo.InvariantCulture)),
        new(Buckets, QueryOptions.Key(nameof(QueryOptions.Buckets))),
        new(MaxEntries, QueryOptions.Key(nameof(QueryOptions.MaxEntriesInMemory))),
        new(SkipFailed, QueryOptions.Key(nameof(QueryOptions.SkipFailedPartitions))),
    ];

    /// <summary>The <c>queries</c> command and its subcommands.</summary>
    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var build = new Command("build", "Count words and bigrams of a Wikipedia dump across workers, add much-viewed titles, WordNet synset names and 0-99, and write the entries")
        {
            Wiki, WikiIndex, Pageviews, WordNetFolder, NoWordNet, Output, Work, Parallel, MinWordCount, MinBigramPmi, MinBigramCount,
            MinTitleViews, MinHourlyViews, Domains, MaxNumber, PartitionMb, Buckets, MaxEntries, SkipFailed,
        };
        build.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, BuildFlags), BuildAsync, ct));

        var stats = new Command("stats", "Print what an entry file holds: entries by source, words per entry, and the top entries of each source") { File, Top, AsJson };
        stats.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StatsAsync, ct));
        return new Command("queries", "Build the query entries (stage 1) and inspect them") { build, stats };
    }

    private static async Task<int> BuildAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var options = context.Bind<QueryOptions>(QueryOptions.Section);
        var parse = context.Parse;
        QueryBuildInputs inputs;
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, BuildFlags);
        }

        try
        {
            var wiki = parse.GetValue(Wiki) is { } path ? WikiDump.Open(path, parse.GetValue(WikiIndex)) : null;
            var wordNet = parse.GetValue(NoWordNet) ? null : WordNetLocator.Locate(parse.GetValue(WordNetFolder));
            inputs = new QueryBuildInputs(wiki, HourlyPageviews.Expand(parse.GetValue(Pageviews) ?? []), wordNet);
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or WordNetNotFoundException)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        using var client = context.Options.IsDistributed
            ? await PipelineHosts.StartClientAsync(context.Configuration, context.Options, context.Verbose, cancellationToken)
            : null;
        var live = new QueryCounters();
        IQueryWorkRunner runner = client is null ? new QueryWorker(live) : new GrainQueryWorkRunner(client.Services.GetRequiredService<IGrainFactory>());
        QueryBuildJob job;
        try
        {
            job = new QueryBuildJob(inputs, parse.GetValue(Output)!, parse.GetValue(Work), options, runner, parse.GetValue(Parallel), live) { Progress = ConsoleProgress.Instance };
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        try
        {
            var summary = await job.RunAsync(cancellationToken);
            foreach (var failure in summary.Failures.Take(10))
            {
                await context.Output.WriteLineAsync($"  failed {failure.Item}: {failure.Reason}");
            }

            if (summary.Output is null)
            {
                await context.Output.WriteLineAsync($"queries: no entries written; {summary.Failures.Count} work items failed (summary: {QuerySummary.PathFor(parse.GetValue(Output)!)})");
                return ExitCodes.Failure;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"queries: {summary.Entries:N0} entries in {summary.Output} ({string.Join(", ", summary.EntriesBySource.Select(s => $"{s.Value:N0} {s.Key}"))}); {summary.Articles:N0} articles, {summary.Tokens:N0} words, {summary.Seconds["total"]:0.0} s{(client is null ? "" : " on the cluster")}"));
            return summary.Failures.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync(CancellationToken.None);
            }
        }
    }

    private static async Task<int> StatsAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var path = context.Parse.GetValue(File)!;
        if (!System.IO.File.Exists(path))
        {
            throw new PipelineConfigurationException($"entry file {Path.GetFullPath(path)} does not exist");
        }

        List<QueryEntry> entries;
        try
        {
            entries = await QueryEntryFile.ReadAsync(path, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        var top = context.Parse.GetValue(Top);
        var bySource = Enum.GetValues<QuerySources>().Where(s => s != QuerySources.None)
            .ToDictionary(s => s.ToString().ToLowerInvariant(), s => entries.Count(e => e.Sources.HasFlag(s)));
        var words = entries.GroupBy(e => Math.Min(4, CountWords(e.Text))).OrderBy(g => g.Key).ToDictionary(g => g.Key == 4 ? "4+" : g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count());
        var stats = new
        {
            File = Path.GetFullPath(path),
            Entries = entries.Count,
            BySource = bySource,
            SeveralSources = entries.Count(e => (e.Sources & (e.Sources - 1)) != 0),
            WordsPerEntry = words,
            TopWords = entries.Where(e => e.Sources.HasFlag(QuerySources.Unigram)).OrderByDescending(e => e.Count).Take(top).Select(e => $"{e.Text} ({e.Count:N0})"),
            TopBigrams = entries.Where(e => e.Sources.HasFlag(QuerySources.Bigram)).OrderByDescending(e => e.Count).Take(top).Select(e => $"{e.Text} ({e.Count:N0}, pmi {e.Pmi:0.#})"),
            TopTitles = entries.Where(e => e.Sources.HasFlag(QuerySources.Title)).OrderByDescending(e => e.Views).Take(top).Select(e => $"{e.Text} ({e.Views:N0} views)"),
        };
        if (context.Parse.GetValue(AsJson))
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(stats, Json));
            return ExitCodes.Success;
        }

        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{stats.File}: {stats.Entries:N0} entries, {stats.SeveralSources:N0} from several sources"));
        await context.Output.WriteLineAsync("  by source: " + string.Join(", ", bySource.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:N0}"))));
        await context.Output.WriteLineAsync("  words per entry: " + string.Join(", ", words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Key}: {w.Value:N0}"))));
        await context.Output.WriteLineAsync("  top words: " + string.Join("; ", stats.TopWords));
        await context.Output.WriteLineAsync("  top bigrams: " + string.Join("; ", stats.TopBigrams));
        await context.Output.WriteLineAsync("  top titles: " + string.Join("; ", stats.TopTitles));
        return ExitCodes.Success;
    }

    private static int CountWords(string text)
    {
        var count = 0;
        foreach (var _ in new WordTokenizer(text))
        {
            count++;
        }

        return count;
    }
}
