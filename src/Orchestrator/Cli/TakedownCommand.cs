using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Takedown;
using Pipeline.Curation.DataCards;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline takedown STORE --url U | --domain D | --key K | --phash H [--distance N]</c>: remove samples from a store's committed shards, logged.</summary>
public static class TakedownCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string> Store = new("store")
    {
        Description = "Shard store: a folder, azure://container/prefix (connection string from Sharding:Storage:AzureConnectionString), or an https container URL",
    };

    private static readonly Option<string[]> Urls = new("--url") { Description = "Remove samples whose image or page URL is this one (canonicalized); repeatable", Arity = ArgumentArity.OneOrMore };

    private static readonly Option<string[]> Domains = new("--domain") { Description = "Remove samples whose image or page host is this domain or a subdomain of it; repeatable", Arity = ArgumentArity.OneOrMore };

    private static readonly Option<string[]> Keys = new("--key") { Description = "Remove the sample with this key; repeatable", Arity = ArgumentArity.OneOrMore };

    private static readonly Option<string[]> Hashes = new("--phash") { Description = "Remove samples whose perceptual hash (16 hex digits) is within --distance of this one; repeatable", Arity = ArgumentArity.OneOrMore };

    private static readonly Option<int> Distance = new Option<int>("--distance") { Description = "Largest Hamming distance a --phash matches at", DefaultValueFactory = _ => 0 }.Between(0, 64);

    private static readonly Option<string?> Reason = new("--reason") { Description = "Why (a request's reference, say): written to the log and the data card" };

    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "List the matching samples and change nothing" };

    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the summary as JSON" };

    /// <summary>The <c>takedown</c> command.</summary>
    public static Command Create(PipelineCli cli)
    {
        var command = new Command("takedown", "Remove the samples a takedown request selects from every committed shard of a store; logged in takedown/NNNN.jsonl and the data card")
        {
            Store, Urls, Domains, Keys, Hashes, Distance, Reason, DryRun, AsJson,
        };
        command.SetAction((parse, ct) => cli.RunAsync(parse, new Dictionary<string, string?>(), ShardCommand.StoreFaultsAreUnusable(RunAsync), ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        var selectors = new List<TakedownSelector>();
        try
        {
            var distance = parse.GetValue(Distance);
            selectors.AddRange((parse.GetValue(Urls) ?? []).Select(v => TakedownSelector.Parse(TakedownSelectorKind.Url, v)));
            selectors.AddRange((parse.GetValue(Domains) ?? []).Select(v => TakedownSelector.Parse(TakedownSelectorKind.Domain, v)));
            selectors.AddRange((parse.GetValue(Keys) ?? []).Select(v => TakedownSelector.Parse(TakedownSelectorKind.Key, v)));
            selectors.AddRange((parse.GetValue(Hashes) ?? []).Select(v => TakedownSelector.Parse(TakedownSelectorKind.Phash, v, distance)));
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException(ex.Message);
        }

        if (selectors.Count == 0)
        {
            throw new PipelineConfigurationException("takedown: no selector: give at least one --url, --domain, --key or --phash");
        }

        var store = ShardCommand.OpenStore(context, Store);
        await ShardCommand.LoadManifestAsync(store, cancellationToken);
        using var logging = LoggerFactory.Create(b => ConsoleLogging.Configure(b, context.Configuration, context.Verbose));
        var summary = await TakedownStage.RunAsync(
            store, new TakedownRequest(selectors, parse.GetValue(Reason), parse.GetValue(DryRun)), logging.CreateLogger(typeof(TakedownStage)), cancellationToken);
        var output = context.Output;
        if (parse.GetValue(AsJson))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(summary, Json));
            return ExitCodes.Success;
        }

        foreach (var match in summary.Matches)
        {
            await output.WriteLineAsync($"{(summary.DryRun ? "would remove" : "removed")}: {match.Key} {match.Url} (shard {match.Shard}, {match.Selector})");
        }

        var counts = string.Join(", ", summary.BySelector.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));
        await output.WriteLineAsync(summary.Removed == 0
            ? string.Create(CultureInfo.InvariantCulture, $"takedown: no sample of {summary.Shards} shards ({summary.Samples} samples) matches; nothing removed")
            : summary.DryRun
                ? string.Create(CultureInfo.InvariantCulture, $"takedown (dry run): {summary.Removed} samples in {summary.ShardsRewritten} of {summary.Shards} shards match ({counts}); nothing changed")
                : string.Create(CultureInfo.InvariantCulture, $"takedown: removed {summary.Removed} samples from {summary.ShardsRewritten} of {summary.Shards} shards ({counts}); log {store.Describe(summary.Log!)}, data card {store.Describe(StoreDataCard.Path)}"));
        return ExitCodes.Success;
    }
}
