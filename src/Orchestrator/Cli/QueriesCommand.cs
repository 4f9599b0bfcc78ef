using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Curation.Queries;
using Pipeline.Curation.Wikipedia;
using Pipeline.Curation.WordNet;
using Pipeline.Orchestrator.Grains.Queries;
using Pipeline.Orchestrator.Hosting;

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

    private static readonly Option<int> Parallel = new("--parallel") { Description = "Work items in flight (a cluster's silos share them)", DefaultValueFactory = _ => Environment.ProcessorCount };

    private static readonly Option<long?> MinWordCount = new("--min-word-count") { Description = "Fewest occurrences of a word [default: 100]" };

    private static readonly Option<double?> MinBigramPmi = new("--min-bigram-pmi") { Description = "Smallest bigram PMI as the ratio p(ab)/(p(a)p(b)) [default: 30]" };

    private static readonly Option<long?> MinBigramCount = new("--min-bigram-count") { Description = "Fewest occurrences of a bigram [default: 100]" };

    private static readonly Option<long?> MinTitleViews = new("--min-title-views") { Description = "Fewest summed views of a title [default: 70]" };

    private static readonly Option<long?> MinHourlyViews = new("--min-hourly-views") { Description = "Fewest views in an hour for the hour to count [default: 50]" };

    private static readonly Option<string?> Domains = new("--pageview-domains") { Description = "Domain codes whose views count, comma-separated [default: en,en.m]" };

    private static readonly Option<int?> MaxNumber = new("--max-number") { Description = "Numbers 0..N are entries, -1 for none [default: 99]" };

    private static readonly Option<long?> PartitionMb = new("--partition-mb") { Description = "Compressed MB of a multistream dump per work item, 0 for one bzip2 stream each [default: 64]" };

    private static readonly Option<int?> Buckets = new("--buckets") { Description = "Hash buckets of the counts, merged in parallel [default: 16]" };

    private static readonly Option<int?> MaxEntries = new("--max-entries-in-memory") { Description = "Distinct words + bigrams a worker holds before spilling sorted runs; 32 bytes of bigram buffer each [default: 8000000]" };

    private static readonly Option<bool> SkipFailed = new("--skip-failed-partitions") { Description = "Build from the readable partitions when some fail, instead of writing nothing" };

    private static readonly Argument<string> File = new("file") { Description = "An entry file written by 'queries build'" };

    private static readonly Option<int> Top = new("--top") { Description = "Examples per source", DefaultValueFactory = _ => 10 };

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the statistics as JSON" };

    /// <summary>The <c>queries</c> command and its subcommands.</summary>
    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var build = new Command("build", "Count words and bigrams of a Wikipedia dump across workers, add much-viewed titles, WordNet synset names and 0-99, and write the entries")
        {
            Wiki, WikiIndex, Pageviews, WordNetFolder, NoWordNet, Output, Work, Parallel, MinWordCount, MinBigramPmi, MinBigramCount,
            MinTitleViews, MinHourlyViews, Domains, MaxNumber, PartitionMb, Buckets, MaxEntries, SkipFailed,
        };
        build.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>
        {
            [Key(nameof(QueryOptions.MinUnigramCount))] = FlagValue.Text(parse.GetValue(MinWordCount)),
            [Key(nameof(QueryOptions.MinBigramPmi))] = FlagValue.Text(parse.GetValue(MinBigramPmi)),
            [Key(nameof(QueryOptions.MinBigramCount))] = FlagValue.Text(parse.GetValue(MinBigramCount)),
            [Key(nameof(QueryOptions.MinTitleViews))] = FlagValue.Text(parse.GetValue(MinTitleViews)),
            [Key(nameof(QueryOptions.MinHourlyViews))] = FlagValue.Text(parse.GetValue(MinHourlyViews)),
            [Key(nameof(QueryOptions.PageviewDomains))] = parse.GetValue(Domains),
            [Key(nameof(QueryOptions.MaxNumber))] = FlagValue.Text(parse.GetValue(MaxNumber)),
            [Key(nameof(QueryOptions.PartitionBytes))] = FlagValue.Text(parse.GetValue(PartitionMb) is { } mb ? Math.Max(1, mb << 20) : (long?)null),
            [Key(nameof(QueryOptions.Buckets))] = FlagValue.Text(parse.GetValue(Buckets)),
            [Key(nameof(QueryOptions.MaxEntriesInMemory))] = FlagValue.Text(parse.GetValue(MaxEntries)),
            [Key(nameof(QueryOptions.SkipFailedPartitions))] = parse.GetValue(SkipFailed) ? "true" : null,
        }, BuildAsync, ct));

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
            var wiki = parse.GetValue(Wiki) is { } path ? WikiDump.Open(path, parse.GetValue(WikiIndex)) : null;
            var wordNet = parse.GetValue(NoWordNet) ? null : WordNetLocator.Locate(parse.GetValue(WordNetFolder));
            inputs = new QueryBuildInputs(wiki, ExpandPageviews(parse.GetValue(Pageviews) ?? []), wordNet);
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
            job = new QueryBuildJob(inputs, parse.GetValue(Output)!, parse.GetValue(Work), options, runner, Math.Max(1, parse.GetValue(Parallel)), live);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        job.Progress += line => Console.Error.WriteLine(line);
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

        var entries = await QueryEntryFile.ReadAsync(path, cancellationToken);
        var top = Math.Max(0, context.Parse.GetValue(Top));
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

    private static List<string> ExpandPageviews(string[] paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(path, "pageviews-*.gz").Order(StringComparer.Ordinal));
            }
            else if (System.IO.File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else
            {
                throw new FileNotFoundException($"pageview file or folder {Path.GetFullPath(path)} does not exist", path);
            }
        }

        return files;
    }

    private static string Key(string name) => $"{QueryOptions.Section}:{name}";
}
