using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Candidates;
using Pipeline.Curation.Counting;
using Pipeline.Curation.DataCards;
using Pipeline.Curation.Matching;
using Pipeline.Crawler.Sources.UrlLists;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline curate match|balance</c>: match the candidate pool against the entries, then cap pairs per entry (filter, dedup and overlap are in <see cref="CurateStepCommands"/>).</summary>
public static class CurateCommand
{
    private const string CountsFile = "counts.bin";
    private const string MatchSummaryFile = "match-summary.json";
    private const string BalancedFile = "balanced.parquet";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string[]> Pool = new("pool")
    {
        Description = "Pool files (.jsonl, .jsonl.gz, .parquet with url and caption columns) or folders of them; each file is one partition",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> Entries = new("--entries") { Description = "Entry list: JSON array of strings (MetaCLIP's metadata.json), one entry per line, or Parquet with a 'text' column", Required = true };

    private static readonly Option<string> MatchOut = new("--out") { Description = "Output folder: matches/, counts/, partitions/, counts.bin, match-summary.json; rerunning resumes", Required = true };

    private static readonly Option<int> Threads = new("--threads") { Description = "Matching threads", DefaultValueFactory = _ => Environment.ProcessorCount };

    private static readonly Option<bool> CaseInsensitive = new("--case-insensitive") { Description = "Match regardless of case (MetaCLIP matches case-sensitively)" };

    private static readonly Option<string?> UrlColumn = new("--url-column") { Description = "Pool field holding the image URL [default: url]" };

    private static readonly Option<string?> CaptionColumn = new("--caption-column") { Description = "Pool field holding the text [default: caption]" };

    private static readonly Option<string> Matches = new("--matches") { Description = "Output folder of 'curate match'", Required = true };

    private static readonly Option<string> BalanceOut = new("--out") { Description = "Output folder: balanced.parquet, datacard.json, datacard.png, entry_counts.tsv", Required = true };

    private static readonly Option<string?> Mode = new("--mode") { Description = "exact (no entry above t, WIT) or metaclip (keep probability t/count) [default: exact]" };

    private static readonly Option<int?> Threshold = new("--threshold", "-t") { Description = "t, the most pairs per entry [default: 20000]" };

    private static readonly Option<double?> ReserveFactor = new("--reserve-factor") { Description = "Keep t × (factor − 1) more per entry in reserve for losses in download and dedup [default: 1.5]" };

    private static readonly Option<ulong?> Seed = new("--seed") { Description = "Seed of the choice [default: 0]" };

    private static readonly Option<string?> Survivors = new("--survivors") { Description = "Refill: a file of pair keys (one per line) that survived download and dedup; rebalances over them with no reserve" };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var match = new Command("match", "Match every caption of the pool against the entries (MetaCLIP's substring semantics) and count matches per entry")
        {
            Pool, Entries, MatchOut, Threads, CaseInsensitive, UrlColumn, CaptionColumn,
        };
        match.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>
        {
            [$"{MatcherOptions.Section}:{nameof(MatcherOptions.CaseInsensitive)}"] = parse.GetValue(CaseInsensitive) ? "true" : null,
            [$"{CandidateFile.ColumnsSection}:{nameof(UrlListColumns.Url)}"] = parse.GetValue(UrlColumn),
            [$"{CandidateFile.ColumnsSection}:{nameof(UrlListColumns.Caption)}"] = parse.GetValue(CaptionColumn),
        }, MatchAsync, ct));
        var balance = new Command("balance", "Keep at most t pairs per entry, with a reserve for losses; write the balanced pairs and a data card")
        {
            Matches, BalanceOut, Mode, Threshold, ReserveFactor, Seed, Survivors,
        };
        balance.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>
        {
            [$"{BalancerOptions.Section}:{nameof(BalancerOptions.Mode)}"] = parse.GetValue(Mode),
            [$"{BalancerOptions.Section}:{nameof(BalancerOptions.Threshold)}"] = parse.GetValue(Threshold)?.ToString(CultureInfo.InvariantCulture),
            [$"{BalancerOptions.Section}:{nameof(BalancerOptions.ReserveFactor)}"] = parse.GetValue(ReserveFactor)?.ToString(CultureInfo.InvariantCulture),
            [$"{BalancerOptions.Section}:{nameof(BalancerOptions.Seed)}"] = parse.GetValue(Seed)?.ToString(CultureInfo.InvariantCulture),
        }, BalanceAsync, ct));
        var curate = new Command("curate", "Curation: match captions against entries, balance pairs per entry, filter, deduplicate, and check evaluation overlap") { match, balance };
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
        var entriesPath = parse.GetValue(Entries)!;
        var inputs = ExpandPool(parse.GetValue(Pool)!);
        var columns = context.Configuration.GetSection(CandidateFile.ColumnsSection).Get<UrlListColumns>() ?? new UrlListColumns();
        var matcherOptions = context.Configuration.GetSection(MatcherOptions.Section).Get<MatcherOptions>() ?? new MatcherOptions();
        var entries = await LoadEntriesAsync(entriesPath, cancellationToken);
        await ClaimOutputAsync(output, entriesPath, entries, matcherOptions, cancellationToken);

        var clock = Stopwatch.StartNew();
        EntryMatcher matcher;
        try
        {
            matcher = EntryMatcher.Build(entries, matcherOptions);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"{entriesPath}: {ex.Message}");
        }

        Console.Error.WriteLine($"match: {entries.Count} entries, automaton of {matcher.States} states ({matcher.MemoryBytes / 1048576.0:0.0} MiB) built in {matcher.BuildTime.TotalSeconds:0.00} s; {inputs.Count} partitions");
        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        var pool = new PoolMatcher(matcher, columns, Math.Max(1, parse.GetValue(Threads)), logging.CreateLogger<PoolMatcher>());
        var results = new List<PartitionMatchResult>();
        long doneCandidates = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var progress = new ThrottledProgress<MatchProgress>(TimeSpan.FromSeconds(2), p =>
                Console.Error.WriteLine($"match: partition {p.Partition} ({i + 1}/{inputs.Count}): {p.Candidates:N0} candidates, {p.Matched:N0} matched, {(doneCandidates + p.Candidates) / clock.Elapsed.TotalSeconds:N0} candidates/s"));
            var result = await pool.MatchPartitionAsync(inputs[i], output, progress, cancellationToken);
            doneCandidates += result.Resumed ? 0 : result.Candidates;
            results.Add(result);
            Console.Error.WriteLine($"match: partition {result.Partition} ({i + 1}/{inputs.Count}) {(result.Resumed ? "already committed" : "committed")}: {result.Matched:N0} of {result.Candidates:N0} matched, {result.Problems} unreadable");
        }

        var counts = await PoolMatcher.MergeCountsAsync(output, entries.Count, cancellationToken);
        await counts.SaveAsync(Path.Combine(output, CountsFile), cancellationToken);
        var summary = new MatchSummary(
            Path.GetFullPath(entriesPath), entries.Count, matcherOptions.CaseInsensitive, results.Sum(r => r.Candidates), results.Sum(r => r.Matched),
            results.Sum(r => r.Problems), counts.NonZero, counts.Total, Math.Round(clock.Elapsed.TotalSeconds, 2), results);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(output, MatchSummaryFile), JsonSerializer.SerializeToUtf8Bytes(summary, Json), cancellationToken);
        await context.Output.WriteLineAsync(
            $"match: {summary.Candidates:N0} candidates, {summary.Matched:N0} matched ({Percent(summary.Matched, summary.Candidates)}), {summary.EntriesMatched:N0} of {entries.Count:N0} entries occur, {summary.Problems} unreadable records; {output}");
        foreach (var problem in results.SelectMany(r => r.FirstProblems).Take(5))
        {
            await context.Output.WriteLineAsync($"  skipped {problem}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> BalanceAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var matches = parse.GetValue(Matches)!;
        var output = parse.GetValue(BalanceOut)!;
        var options = context.Configuration.GetSection(BalancerOptions.Section).Get<BalancerOptions>() ?? new BalancerOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message);
        }

        var summaryPath = Path.Combine(matches, MatchSummaryFile);
        if (!File.Exists(summaryPath))
        {
            throw new PipelineConfigurationException($"{summaryPath} does not exist: run 'pipeline curate match' into {matches} first, to the end");
        }

        MatchSummary summary;
        await using (var stream = File.OpenRead(summaryPath))
        {
            summary = await JsonSerializer.DeserializeAsync<MatchSummary>(stream, Json, cancellationToken) ?? throw new InvalidDataException($"{summaryPath}: empty");
        }

        var entries = await LoadEntriesAsync(summary.Entries, cancellationToken);
        var counts = await EntryCounts.LoadAsync(Path.Combine(matches, CountsFile), cancellationToken);
        HashSet<string>? survivors = null;
        if (parse.GetValue(Survivors) is { } survivorsPath)
        {
            survivors = [.. (await File.ReadAllLinesAsync(survivorsPath, cancellationToken)).Where(l => l.Length > 0)];
        }

        var partitions = summary.Partitions.Select(p => Path.Combine(matches, PoolMatcher.MatchesFolder, p.Partition + ".parquet")).ToArray();
        long poolPairs = 0, inCapped = 0, opened = 0;
        async IAsyncEnumerable<MatchedPair> OpenPool([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var first = Interlocked.Increment(ref opened) == 1;
            foreach (var file in partitions)
            {
                await foreach (var pair in PairFile.ReadAsync(file, ct))
                {
                    if (survivors is not null && !survivors.Contains(pair.Key))
                    {
                        continue;
                    }

                    if (first)
                    {
                        poolPairs++;
                        inCapped += pair.EntryIds.Any(e => counts[e] > options.Threshold) ? 1 : 0;
                    }

                    yield return pair;
                }
            }
        }

        var clock = Stopwatch.StartNew();
        var balancer = new EntryBalancer(options, counts);
        var card = new DataCardBuilder(entries, counts, options);
        var withReserve = survivors is null;
        Console.Error.WriteLine($"balance: {options.Mode.ToString().ToLowerInvariant()} mode, t = {options.Threshold}, {(withReserve ? $"reserve factor {options.ReserveFactor}" : $"refill over {survivors!.Count:N0} survivors")}, seed {options.Seed}; {summary.Matched:N0} matched pairs in {partitions.Length} partitions");
        var progress = new ThrottledProgress<long>(TimeSpan.FromSeconds(2), n => Console.Error.WriteLine($"balance: {n:N0} pairs written"));
        async IAsyncEnumerable<MatchedPair> Tallied([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            long yielded = 0;
            await foreach (var pair in balancer.BalanceAsync(OpenPool, withReserve, ct))
            {
                card.Add(pair);
                progress.Report(++yielded);
                yield return pair;
            }
        }

        Directory.CreateDirectory(output);
        await AtomicFile.WriteAsync(Path.Combine(output, BalancedFile), async (stream, ct) => await PairFile.WriteAsync(stream, Tallied(ct), ct), cancellationToken);
        var dataCard = card.Build(poolPairs, inCapped);
        await card.WriteAsync(output, dataCard, cancellationToken);
        await context.Output.WriteLineAsync(
            $"balance: {dataCard.PairsKept:N0} kept and {dataCard.PairsReserve:N0} reserve of {poolPairs:N0} pairs; {dataCard.EntriesWithKeptPairs:N0} entries have pairs, {dataCard.CappedEntries:N0} were capped, "
            + $"the most kept for one entry is {dataCard.MaxKeptForOneEntry:N0}; share in capped entries {dataCard.ShareInCappedEntriesBefore:P1} -> {dataCard.ShareInCappedEntriesAfter:P1}; {clock.Elapsed.TotalSeconds:0.0} s; {output}");
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

    private static async Task<IReadOnlyList<string>> LoadEntriesAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await EntryListFile.LoadAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
        {
            throw new PipelineConfigurationException(ex.Message);
        }
    }

    /// <summary>Refuses to resume into a folder matched against other entries or with other settings: its committed counts would not add up.</summary>
    private static async Task ClaimOutputAsync(string output, string entriesPath, IReadOnlyList<string> entries, MatcherOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(output);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', entries) + "\n" + options.CaseInsensitive)));
        var claim = Path.Combine(output, "match-run.txt");
        if (File.Exists(claim))
        {
            var existing = (await File.ReadAllTextAsync(claim, cancellationToken)).Trim();
            if (existing != fingerprint)
            {
                throw new PipelineConfigurationException($"{output} holds a match run over different entries or settings; use another --out (entries now: {entriesPath})");
            }

            return;
        }

        await AtomicFile.WriteAllBytesAsync(claim, Encoding.UTF8.GetBytes(fingerprint + "\n"), cancellationToken);
    }

    private static string Percent(long part, long whole) => whole == 0 ? "0%" : (part / (double)whole).ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>What <c>curate match</c> did, in <c>match-summary.json</c>; <c>curate balance</c> starts from it.</summary>
    private sealed record MatchSummary(
        string Entries, int EntryCount, bool CaseInsensitive, long Candidates, long Matched, long Problems, int EntriesMatched, long Matches, double Seconds,
        IReadOnlyList<PartitionMatchResult> Partitions);
}
