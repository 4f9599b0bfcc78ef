using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Candidates;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Stages;
using Pipeline.Orchestrator.Grains.Curation;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline curate match|balance</c>: match the candidate pool against the entries, then cap pairs per entry (filter, dedup and overlap are in <see cref="CurateStepCommands"/>).</summary>
public static class CurateCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string[]> Pool = new("pool")
    {
        Description = "Pool files (.jsonl, .jsonl.gz, .parquet with url and caption columns) or folders of them; each file is one partition",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> Entries = new("--entries") { Description = "Entry list: JSON array of strings (MetaCLIP's metadata.json), one entry per line, or Parquet with a 'text' column", Required = true };

    private static readonly Option<string> MatchOut = new("--out") { Description = "Output folder: matches/, counts/, partitions/, counts.bin, match-summary.json; rerunning resumes", Required = true };

    private static readonly Option<int> Threads = new Option<int>("--threads") { Description = "Matching threads", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);

    private static readonly Option<bool> CaseInsensitive = new("--case-insensitive") { Description = "Match regardless of case (MetaCLIP matches case-sensitively)" };

    private static readonly Option<string?> UrlColumn = new("--url-column") { Description = "Pool field holding the image URL [default: url]" };

    private static readonly Option<string?> CaptionColumn = new("--caption-column") { Description = "Pool field holding the text [default: caption]" };

    private static readonly Option<string> Matches = new("--matches") { Description = "Output folder of 'curate match'", Required = true };

    private static readonly Option<string> BalanceOut = new("--out") { Description = "Output folder: balanced.parquet, datacard.json, datacard.png, entry_counts.tsv", Required = true };

    private static readonly Option<string?> Mode = new("--mode") { Description = "exact (no entry above t, WIT) or metaclip (keep probability t/count) [default: exact]" };

    private static readonly Option<int?> Threshold = new Option<int?>("--threshold", "-t") { Description = "t, the most pairs per entry [default: 20000]" }.AtLeast(1);

    private static readonly Option<double?> ReserveFactor = new Option<double?>("--reserve-factor") { Description = "Keep t × (factor − 1) more per entry in reserve for losses in download and dedup [default: 1.5]" }.AtLeast(1.0);

    private static readonly Option<ulong?> Seed = new Option<ulong?>("--seed") { Description = "Seed of the choice [default: 0]" }.Numeric();

    private static readonly Option<string?> Survivors = new("--survivors") { Description = "Refill: a file of pair keys (one per line) that survived download and dedup; rebalances over them with no reserve" };

    private static readonly Argument<string> Deduped = new("deduplicated") { Description = "Shard store that 'curate dedup' wrote from the fetched kept and reserve pairs" };

    private static readonly Option<string> RefillOut = new("--out") { Description = "Final shard store: at most t samples per entry; the rebalanced pairs and data card go to OUT/refill/", Required = true };

    private static readonly ConfigurationFlag[] MatchFlags =
    [
        new(CaseInsensitive, $"{MatcherOptions.Section}:{nameof(MatcherOptions.CaseInsensitive)}"),
        new(UrlColumn, $"{CandidateFile.ColumnsSection}:{nameof(UrlListColumns.Url)}"),
        new(CaptionColumn, $"{CandidateFile.ColumnsSection}:{nameof(UrlListColumns.Caption)}"),
    ];

    private static readonly ConfigurationFlag[] BalanceFlags =
    [
        new(Mode, BalancerOptions.Key(nameof(BalancerOptions.Mode))),
        new(Threshold, BalancerOptions.Key(nameof(BalancerOptions.Threshold))),
        new(ReserveFactor, BalancerOptions.Key(nameof(BalancerOptions.ReserveFactor))),
        new(Seed, BalancerOptions.Key(nameof(BalancerOptions.Seed))),
    ];

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var match = new Command("match", "Match every caption of the pool against the entries (MetaCLIP's substring semantics) and count matches per entry")
        {
            Pool, Entries, MatchOut, Threads, CaseInsensitive, UrlColumn, CaptionColumn,
        };
        match.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, MatchFlags), MatchAsync, ct));
        var balance = new Command("balance", "Keep at most t pairs per entry, with a reserve for losses; write the balanced pairs and a data card")
        {
            Matches, BalanceOut, Mode, Threshold, ReserveFactor, Seed, Survivors,
        };
        balance.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, BalanceFlags), BalanceAsync, ct));
        var refill = new Command("refill", "After fetch, filter and dedup: balance again over the surviving samples and write at most t per entry, lost kept pairs replaced from the reserve")
        {
            Deduped, Matches, RefillOut, Mode, Threshold, Seed, ShardFormatOption.Flag,
        };
        refill.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, [.. BalanceFlags, ShardFormatOption.Override]), RefillAsync, ct));
        var curate = new Command("curate", "Curation: match captions against entries, balance pairs per entry, filter, deduplicate, refill from the reserve, and check evaluation overlap") { match, balance, refill };
        foreach (var step in CurateStepCommands.Create(cli))
        {
            curate.Subcommands.Add(step);
        }

        return curate;
    }

    private static async Task<int> MatchAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var output = parse.GetValue(MatchOut)!;
        var inputs = ExpandPool(parse.GetValue(Pool)!);
        var columns = context.Bind<UrlListColumns>(CandidateFile.ColumnsSection);
        var matcherOptions = context.Bind<MatcherOptions>(MatcherOptions.Section);
        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        await using var workers = await ClusterWorkers.ConnectAsync(context, cancellationToken);

        // On a cluster, a partition per work item, as many at a time as there are silos.
        var summary = await MatchStage.RunAsync(
            inputs, parse.GetValue(Entries)!, output, matcherOptions, columns, parse.GetValue(Threads), logging,
            workers.Grains is { } grains ? new GrainMatchWorkRunner(grains) : null, workers.Silos, ConsoleProgress.Instance, cancellationToken);
        await context.Output.WriteLineAsync(
            $"match: {summary.Candidates:N0} candidates, {summary.Matched:N0} matched ({MatchStage.Percent(summary.Matched, summary.Candidates)}), {summary.EntriesMatched:N0} of {summary.EntryCount:N0} entries occur, {summary.Problems} unreadable records; {output}");
        var problems = summary.Partitions.SelectMany(r => r.FirstProblems).ToList();
        foreach (var problem in problems.Take(5))
        {
            await context.Output.WriteLineAsync($"  skipped {problem}");
        }

        if (summary.Candidates == 0 && summary.Problems == 0)
        {
            var more = inputs.Count > 3 ? $" and {inputs.Count - 3} more" : "";
            throw new PipelineConfigurationException($"the pool holds no records: {string.Join(", ", inputs.Take(3))}{more}");
        }

        // Every record was unreadable: the counts are all zero because of the input, not because nothing matched.
        if (summary.Candidates == 0)
        {
            throw new PipelineFailureException($"none of the pool's {summary.Problems:N0} records was readable (see {Path.Combine(output, MatchStage.SummaryFile)}; the first: {problems.FirstOrDefault()})");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> BalanceAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var output = parse.GetValue(BalanceOut)!;
        var options = context.Bind<BalancerOptions>(BalancerOptions.Section);
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, BalanceFlags);
        }

        HashSet<string>? survivors = null;
        if (parse.GetValue(Survivors) is { } survivorsPath)
        {
            survivors = [.. (await File.ReadAllLinesAsync(survivorsPath, cancellationToken)).Where(l => l.Length > 0)];
        }

        var clock = Stopwatch.StartNew();
        await using var workers = await ClusterWorkers.ConnectAsync(context, cancellationToken);
        var outcome = survivors is not null || workers.Grains is not { } grains
            ? await BalanceStage.RunAsync(parse.GetValue(Matches)!, output, options, survivors, ConsoleProgress.Instance, cancellationToken)
            : await BalanceStage.RunAsync(parse.GetValue(Matches)!, output, options, new GrainBandRankRunner(grains), workers.Silos, ConsoleProgress.Instance, cancellationToken);
        var dataCard = outcome.Card;
        await context.Output.WriteLineAsync(
            $"balance: {dataCard.PairsKept:N0} kept and {dataCard.PairsReserve:N0} reserve of {outcome.PoolPairs:N0} pairs; {dataCard.EntriesWithKeptPairs:N0} entries have pairs, {dataCard.CappedEntries:N0} were capped, "
            + $"the most kept for one entry is {dataCard.MaxKeptForOneEntry:N0}; share in capped entries {dataCard.ShareInCappedEntriesBefore:P1} -> {dataCard.ShareInCappedEntriesAfter:P1}; {clock.Elapsed.TotalSeconds:0.0} s; {output}");
        return ExitCodes.Success;
    }

    private static async Task<int> RefillAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var options = context.Bind<BalancerOptions>(BalancerOptions.Section);
        var storeOptions = context.Bind<ShardStoreOptions>(ShardStoreOptions.Section);
        var format = ShardFormatOption.Resolve(context);
        IShardStore deduped, final;
        try
        {
            options.Validate();
            deduped = ShardStoreLocation.Open(parse.GetValue(Deduped)!, storeOptions);
            final = ShardStoreLocation.Open(parse.GetValue(RefillOut)!, storeOptions);
        }
        catch (ArgumentException ex)
        {
            throw ConfigurationFlag.Error(ex, BalanceFlags);
        }

        if ((await new ManifestStore(deduped).LoadAsync(cancellationToken)).Shards.Count == 0)
        {
            throw new PipelineConfigurationException($"{deduped.Location} holds no committed shards: run 'pipeline curate dedup' into it first");
        }

        var clock = Stopwatch.StartNew();
        var folder = Path.Combine(parse.GetValue(RefillOut)!, "refill");
        await using var workers = await ClusterWorkers.ConnectAsync(context, cancellationToken);
        var outcome = await RefillStage.RunAsync(
            parse.GetValue(Matches)!, deduped, final, folder, options, format, workers.Grains is { } grains ? new GrainBandRankRunner(grains) : null, workers.Silos, ConsoleProgress.Instance, cancellationToken);
        await context.Output.WriteLineAsync(
            $"refill: {outcome.Chosen:N0} of {outcome.Survivors:N0} surviving samples chosen, {outcome.FromReserve:N0} from the reserve; {outcome.Card.EntriesWithKeptPairs:N0} entries have samples, "
            + $"the most for one entry is {outcome.Card.MaxKeptForOneEntry:N0}; {outcome.Shards} shards in {clock.Elapsed.TotalSeconds:0.0} s; {final.Location} (data card in {folder})");
        return ExitCodes.Success;
    }

    private static List<string> ExpandPool(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        foreach (var argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                files.AddRange(Directory.EnumerateFiles(argument).Where(CandidateFile.IsSupported).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(argument))
            {
                files.Add(argument);
            }
            else
            {
                throw new PipelineConfigurationException($"pool file {argument} does not exist");
            }
        }

        var duplicate = files.GroupBy(PoolMatcher.PartitionName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new PipelineConfigurationException($"pool files {string.Join(" and ", duplicate)} would both be partition '{duplicate.Key}'; rename one");
        }

        return files.Count > 0 ? files : throw new PipelineConfigurationException("the pool has no .jsonl, .jsonl.gz or .parquet files");
    }
}
