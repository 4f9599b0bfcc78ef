using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pipeline.Orchestrator.Shards;
using Pipeline.Sharding.Conversion;
using Pipeline.Sharding.Inspection;
using Pipeline.Sharding.Leftovers;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.Sharding.Writing;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline shard inspect|verify|stats|query|generate|convert</c>: look at, check, query, make and convert shard sets.</summary>
public static class ShardCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string> Store = new("store")
    {
        Description = "Shard store: a folder, azure://container/prefix (connection string from Sharding:Storage:AzureConnectionString), or an https container URL",
    };

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print JSON instead of text" };

    private static readonly Option<bool> Clean = new("--clean")
    {
        Description = "First remove what dead writers left (staging files, shard files never committed) and list it; a live writer's files are kept",
    };

    private static readonly Option<string?> ShardName = new("--shard") { Description = "Shard to inspect [default: the first in the manifest]" };

    private static readonly Option<int> Rows = new Option<int>("--rows") { Description = "Rows to print", DefaultValueFactory = _ => 3 }.AtLeast(0);

    private static readonly Option<long> Samples = new Option<long>("--samples") { Description = "Samples to generate", DefaultValueFactory = _ => 1000 }.AtLeast(1);

    private static readonly Option<int> ShardSamples = new Option<int>("--shard-samples") { Description = "Samples per shard", DefaultValueFactory = _ => 10_000 }.AtLeast(1);

    private static readonly Option<int> RowGroupSamples = new Option<int>("--row-group-samples") { Description = "Samples per row group", DefaultValueFactory = _ => 1_000 }.AtLeast(1);

    private static readonly Option<string> Prefix = new("--prefix") { Description = "Shard name prefix", DefaultValueFactory = _ => "synthetic" };

    private static readonly Option<ulong> Seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic samples", DefaultValueFactory = _ => 0UL }.Numeric();

    private static readonly Argument<string> Sql = new("sql")
    {
        Description = "SQL for DuckDB over the views samples (the committed shards) and dropped (curation's dropped records), e.g. \"SELECT count(*) FROM samples\"",
    };

    private static readonly Option<bool> AsCsv = new("--csv") { Description = "Print CSV instead of a table" };

    private static readonly Option<int> Limit = new Option<int>("--limit") { Description = "Most rows to print", DefaultValueFactory = _ => 1000 }.AtLeast(0);

    private static readonly Option<int> Side = new Option<int>("--side") { Description = "Image side in pixels", DefaultValueFactory = _ => 64 }.Between(8, 4096);

    private static readonly Option<string> ConvertTo = new("--to") { Description = "Format to convert to: parquet or webdataset", Required = true };

    private static readonly Option<string> ConvertOut = new("--out") { Description = "Output shard store (a folder, azure://container/prefix or a container URL); rerunning resumes", Required = true };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var inspect = new Command("inspect", "Show the manifest, and one shard's schema, row groups, codecs and first rows") { Store, ShardName, Rows };
        inspect.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StoreFaultsAreUnusable(InspectAsync), ct));
        var verify = new Command("verify", "Check every shard against the manifest (size, SHA-256, row-group checksums, schema); exit 1 on damage") { Store, AsJson, Clean };
        verify.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StoreFaultsAreUnusable(VerifyAsync), ct));
        var stats = new Command("stats", "Totals and distributions over all committed samples") { Store, AsJson };
        stats.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StoreFaultsAreUnusable(StatsAsync), ct));
        var generate = new Command("generate", "Write deterministic synthetic samples as shards (for trying the tools); rerunning resumes, committed shards are kept")
        {
            Store, Samples, ShardSamples, RowGroupSamples, Prefix, Seed, Side, ShardFormatOption.Flag,
        };
        generate.SetAction((parse, ct) => cli.RunAsync(parse, ConfigurationFlag.Overrides(parse, [ShardFormatOption.Override]), StoreFaultsAreUnusable(GenerateAsync), ct));
        var query = new Command("query", "Run SQL (DuckDB) over the committed samples and the dropped records; a table, --json or --csv") { Store, Sql, AsJson, AsCsv, Limit };
        query.Validators.Add(result =>
        {
            if (result.GetValue(AsJson) && result.GetValue(AsCsv))
            {
                result.AddError("--json and --csv cannot be used together");
            }
        });
        query.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StoreFaultsAreUnusable(QueryAsync), ct));
        var convert = new Command("convert", "Rewrite every shard of a store into another store as webdataset tars or Parquet, same names and samples; rerunning resumes")
        {
            Store, ConvertTo, ConvertOut,
        };
        convert.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), StoreFaultsAreUnusable(ConvertAsync), ct));
        return new Command("shard", "Shard sets (Parquet or webdataset): inspect, verify, stats, query, generate, convert") { inspect, verify, stats, query, generate, convert };
    }

    /// <summary>A store that is full, read-only or not ours to write is a resource that cannot be used (exit 2, its message as is).</summary>
    internal static Func<CommandContext, CancellationToken, Task<int>> StoreFaultsAreUnusable(Func<CommandContext, CancellationToken, Task<int>> action) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await action(context, cancellationToken);
            }
            catch (ShardStoreException ex)
            {
                throw new PipelineConfigurationException(ex.Message, ex);
            }
        };

    /// <summary>Opens the store named by argument <paramref name="store"/>; a malformed location is a configuration error.</summary>
    internal static IShardStore OpenStore(CommandContext context, Argument<string> store) => OpenStore(context, context.Parse.GetValue(store)!);

    private static IShardStore OpenStore(CommandContext context, string location)
    {
        var options = context.Configuration.GetSection(ShardStoreOptions.Section).Get<ShardStoreOptions>() ?? new ShardStoreOptions();
        try
        {
            return ShardStoreLocation.Open(location, options);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message);
        }
    }

    /// <summary>The store's manifest; a store without one is a configuration error (exit 2) naming it.</summary>
    internal static async Task<ShardManifest> LoadManifestAsync(IShardStore store, CancellationToken cancellationToken)
    {
        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        if (manifest.Shards.Count == 0 && await store.GetLengthAsync(ManifestStore.ManifestPath, cancellationToken) is null)
        {
            throw new PipelineConfigurationException($"{store.Describe(ManifestStore.ManifestPath)} does not exist: not a shard store, or nothing committed yet");
        }

        return manifest;
    }

    private static async Task<int> InspectAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var store = OpenStore(context, Store);
        var manifest = await LoadManifestAsync(store, cancellationToken);
        var output = context.Output;
        await output.WriteLineAsync($"store {store.Location}: {manifest.Shards.Count} shards, {manifest.TotalSamples} samples, {Megabytes(manifest.TotalBytes)}, image column '{manifest.ImageColumn}'");
        var name = context.Parse.GetValue(ShardName) ?? (manifest.Shards.Count > 0 ? manifest.Shards[0].Name : null);
        if (name is null)
        {
            return ExitCodes.Success;
        }

        var entry = manifest.Find(name) ?? throw new PipelineConfigurationException($"no shard '{name}' in {store.Describe(ManifestStore.ManifestPath)}");
        await using var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken);
        await output.WriteLineAsync($"shard {entry.Name}: {store.Describe(entry.Path)}, {entry.Samples} samples, {entry.Bytes} bytes, sha256 {entry.Sha256}, committed {entry.CommittedAt:u}");
        await output.WriteLineAsync(entry.FileFormat == ShardFormat.Webdataset
            ? $"webdataset members: KEY.{reader.Schema.Image.Name}, KEY.txt (caption), KEY.json ({string.Join(", ", SampleJson.JsonColumns(reader.Schema))})"
            : "columns: " + string.Join(", ", reader.Schema.Parquet.DataFields.Select(f => $"{f.Path}{(f.IsNullable ? "?" : "")}")));
        var metadata = reader.Metadata;
        for (var g = 0; g < entry.RowGroups.Count; g++)
        {
            var group = entry.RowGroups[g];
            var codecs = metadata is null ? ["tar members"] : metadata.RowGroups[g].Columns.Select(c => $"{c.MetaData!.PathInSchema[^1]}={c.MetaData.Codec}").Distinct();
            await output.WriteLineAsync($"row group {g}: bytes {group.Offset}..{group.Offset + group.Length}, {group.Rows} rows, xxh64 {group.XxHash64}; {string.Join(' ', codecs)}");
        }

        var shown = 0;
        for (var g = 0; g < entry.RowGroups.Count && shown < context.Parse.GetValue(Rows); g++)
        {
            foreach (var sample in (await reader.ReadRowGroupAsync(g, cancellationToken)).Take(context.Parse.GetValue(Rows) - shown))
            {
                shown++;
                await output.WriteLineAsync($"  {sample.Key} {sample.Width}x{sample.Height} ({sample.OriginalWidth}x{sample.OriginalHeight}) {sample.Image.Length} B \"{sample.Caption}\" {sample.Url}"
                    + $" entries [{string.Join(',', sample.MatchedEntryIds)}] kept-for {sample.KeptForEntry?.ToString(CultureInfo.InvariantCulture) ?? "-"} p {sample.KeepProbability?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-"}");
            }
        }

        return ExitCodes.Success;
    }

    private static async Task<int> VerifyAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var store = OpenStore(context, Store);
        await LoadManifestAsync(store, cancellationToken);
        // Cleaning first, so that what verify then warns about is what is left.
        IReadOnlyList<Leftover> cleaned = context.Parse.GetValue(Clean) ? await LeftoverCollector.CollectAsync(store, cancellationToken) : [];
        var progress = new Progress<ShardEntry>(e => Console.Error.WriteLine($"verify: {e.Name} checked"));
        var report = await ShardVerifier.VerifyAsync(store, context.Verbose ? progress : null, cancellationToken) with { Cleaned = cleaned };
        if (context.Parse.GetValue(AsJson))
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, Json));
        }
        else
        {
            if (context.Parse.GetValue(Clean))
            {
                await WriteCleanedAsync(context.Output, store, cleaned);
            }

            foreach (var problem in report.Problems)
            {
                await context.Output.WriteLineAsync($"{(problem.IsError ? "ERROR" : "warning")}: {problem.Path}: {problem.Message}");
            }

            var errors = report.Problems.Count(p => p.IsError);
            await context.Output.WriteLineAsync($"verify: {report.Shards} shards, {report.Samples} samples, {Megabytes(report.BytesChecked)} checked; "
                + (errors == 0 ? "all consistent with the manifest" : $"{errors} errors"));
        }

        return report.HasErrors ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static async Task WriteCleanedAsync(TextWriter output, IShardStore store, IReadOnlyList<Leftover> cleaned)
    {
        foreach (var leftover in cleaned)
        {
            await output.WriteLineAsync($"{(leftover.Removed ? "removed" : "kept")}: {leftover.Path} ({leftover.Length} bytes): {leftover.Note}");
        }

        var removed = cleaned.Where(l => l.Removed).ToList();
        await output.WriteLineAsync(store.CanTellLiveWriters
            ? $"clean: removed {removed.Count} leftovers ({Megabytes(removed.Sum(l => l.Length))}), kept {cleaned.Count - removed.Count}"
            : $"clean: removed nothing: {store.Location} cannot tell a live writer's uncommitted files from leftovers");
    }

    private static async Task<int> QueryAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var store = OpenStore(context, Store);
        await LoadManifestAsync(store, cancellationToken);
        var progress = new Progress<string>(line => Console.Error.WriteLine(line));
        await using var query = await StoreQuery.OpenAsync(store, context.Verbose ? progress : null, cancellationToken);
        var limit = context.Parse.GetValue(Limit);
        var result = await query.RunAsync(context.Parse.GetValue(Sql)!, limit, cancellationToken);
        var output = context.Output;
        if (context.Parse.GetValue(AsJson))
        {
            var rows = result.Rows.Select(row => result.Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => JsonValue(row[x.i])));
            await output.WriteLineAsync(JsonSerializer.Serialize(rows, Json));
        }
        else if (context.Parse.GetValue(AsCsv))
        {
            await output.WriteLineAsync(string.Join(',', result.Columns.Select(StoreQuery.CsvField)));
            foreach (var row in result.Rows)
            {
                await output.WriteLineAsync(string.Join(',', row.Select(StoreQuery.CsvField)));
            }
        }
        else
        {
            await WriteTableAsync(output, result);
        }

        if (result.Truncated)
        {
            await Console.Error.WriteLineAsync($"query: more than {limit} rows; the first {limit} printed (--limit)");
        }

        return ExitCodes.Success;
    }

    /// <summary>A value for JSON output: numbers, text and lists as they are, blobs as their byte count.</summary>
    private static object? JsonValue(object? value) => value switch
    {
        null or string or bool => value,
        byte[] or Stream => StoreQuery.Format(value),
        IFormattable => value,
        System.Collections.IEnumerable list => list.Cast<object?>().Select(JsonValue).ToList(),
        _ => value.ToString(),
    };

    /// <summary>Columns padded to their widest value (cut at 60 characters), a rule under the header, a row count.</summary>
    private static async Task WriteTableAsync(TextWriter output, StoreQueryResult result)
    {
        const int MaxWidth = 60;
        static string Cell(object? value)
        {
            var text = StoreQuery.Format(value).ReplaceLineEndings(" ");
            return text.Length <= MaxWidth ? text : string.Concat(text.AsSpan(0, MaxWidth - 1), "…");
        }

        var cells = result.Rows.Select(r => r.Select(Cell).ToArray()).ToList();
        var widths = result.Columns.Select((c, i) => Math.Max(Math.Min(c.Length, MaxWidth), cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        await output.WriteLineAsync(string.Join(" | ", result.Columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        await output.WriteLineAsync(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            await output.WriteLineAsync(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }

        await output.WriteLineAsync($"({cells.Count} row{(cells.Count == 1 ? "" : "s")})");
    }

    private static async Task<int> StatsAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var store = OpenStore(context, Store);
        var manifest = await LoadManifestAsync(store, cancellationToken);
        var stats = await ShardStatisticsCollector.CollectAsync(store, manifest, null, cancellationToken);
        if (context.Parse.GetValue(AsJson))
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(stats, Json));
            return ExitCodes.Success;
        }

        await context.Output.WriteLineAsync($"""
            shards              {stats.Shards}
            samples             {stats.Samples}
            file bytes          {Megabytes(stats.FileBytes)}
            image column        {stats.ImageColumn}
            mean image bytes    {stats.MeanImageBytes}
            mean size           {stats.MeanWidth} x {stats.MeanHeight} (sides {stats.MinSide}..{stats.MaxSide})
            mean caption chars  {stats.MeanCaptionChars}
            with entries        {stats.SamplesWithEntries}
            kept-for entries    {stats.DistinctKeptForEntries}
            fetched             {stats.FirstFetch:u} .. {stats.LastFetch:u}
            """);
        return ExitCodes.Success;
    }

    private static async Task<int> GenerateAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var store = OpenStore(context, Store);
        var total = parse.GetValue(Samples);
        var options = new ShardWriterOptions
        {
            NamePrefix = parse.GetValue(Prefix)!,
            TargetSamples = parse.GetValue(ShardSamples),
            RowGroupSamples = parse.GetValue(RowGroupSamples),
            Encoding = ImageEncoding.Jpg,
            Format = ShardFormatOption.Resolve(context),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message);
        }

        var source = new SyntheticSamples(parse.GetValue(Side), parse.GetValue(Seed));
        await using var writer = new ShardWriter(store, options);
        long done = 0;
        writer.ShardCommitted += commit =>
        {
            done += commit.Entry.Samples;
            Console.Error.WriteLine($"shard {commit.Entry.Name} {commit.Outcome.ToString().ToLowerInvariant()}: {commit.Entry.Samples} samples, {Megabytes(commit.Entry.Bytes)} ({done}/{total})");
        };
        for (long i = 0; i < total; i++)
        {
            await writer.WriteAsync(source.Create(i), cancellationToken);
        }

        var commits = await writer.CompleteAsync(cancellationToken);
        await context.Output.WriteLineAsync($"generate: {commits.Count} shards ({commits.Count(c => c.Outcome == CommitOutcome.Committed)} new), {total} samples in {store.Location}");
        return ExitCodes.Success;
    }

    private static async Task<int> ConvertAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        ShardFormat format;
        try
        {
            format = ShardFormats.Parse(parse.GetValue(ConvertTo)!);
        }
        catch (FormatException ex)
        {
            throw new PipelineConfigurationException($"--to: {ex.Message}", ex);
        }

        var input = OpenStore(context, Store);
        var output = OpenStore(context, parse.GetValue(ConvertOut)!);
        await LoadManifestAsync(input, cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ConversionSummary summary;
        try
        {
            summary = await ShardConverter.ConvertAsync(input, output, format, ConsoleProgress.Instance, cancellationToken);
        }
        catch (Exception ex) when (ex is ArgumentException or ShardManifestException)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        await context.Output.WriteLineAsync(
            $"convert: {summary.Shards} shards ({summary.Converted} converted, {summary.Resumed} already done), {summary.Samples} samples as {ShardFormats.Name(format)} in {output.Location} ({clock.Elapsed.TotalSeconds:0.0} s)");
        return ExitCodes.Success;
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");
}
