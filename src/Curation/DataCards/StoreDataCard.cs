using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Curation.Jobs;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.DataCards;

/// <summary>
/// The data card kept in a shard store, <c>datacard.json</c>: a balancing data card copied there (or an empty object)
/// whose <c>takedowns</c> section each takedown run extends. Other sections are kept as they are.
/// </summary>
public static class StoreDataCard
{
    /// <summary>The card's path in the store.</summary>
    public const string Path = "datacard.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The takedown section of the store's card; null when there is no card or no takedown yet.</summary>
    public static async Task<DataCardTakedowns?> ReadTakedownsAsync(IShardStore store, CancellationToken cancellationToken) =>
        (await ReadAsync(store, cancellationToken))["takedowns"]?.Deserialize<DataCardTakedowns>(Json);

    /// <summary>Adds <paramref name="run"/> to the card's takedown section (creating the card when the store has none).</summary>
    public static async Task AddTakedownAsync(IShardStore store, DataCardTakedownRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var card = await ReadAsync(store, cancellationToken);
        var section = card["takedowns"]?.Deserialize<DataCardTakedowns>(Json) ?? new DataCardTakedowns(0, []);
        List<DataCardTakedownRun> runs = [.. section.Runs.Where(r => r.Run != run.Run), run];
        section = new DataCardTakedowns(runs.Sum(r => r.Removed), runs);
        card["takedowns"] = JsonSerializer.SerializeToNode(section, Json);
        await StoreFile.WriteAsync(store, Path, (stream, ct) => JsonSerializer.SerializeAsync(stream, card, Json, ct), cancellationToken);
    }

    private static async Task<JsonObject> ReadAsync(IShardStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!await StoreFile.ExistsAsync(store, Path, cancellationToken))
        {
            return [];
        }

        await using var stream = await StoreFile.ReadAsync(store, Path, cancellationToken);
        try
        {
            return JsonNode.Parse(stream) as JsonObject ?? throw new InvalidDataException($"{store.Describe(Path)} is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{store.Describe(Path)} is not valid JSON: {ex.Message}", ex);
        }
    }
}
