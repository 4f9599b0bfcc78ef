using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Manifest;

/// <summary>
/// Reads and commits the manifest (<c>manifest.json</c> at the store's root) by optimistic concurrency: read with
/// a version, add the entry, replace only if nobody committed in between, else reread and try again.
/// </summary>
public sealed class ManifestStore(IShardStore store)
{
    public const string ManifestPath = "manifest.json";

    private const int MaxAttempts = 100;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public IShardStore Store { get; } = store;

    /// <summary>The committed manifest; <see cref="ShardManifest.Empty"/> when nothing was committed yet.</summary>
    public async Task<ShardManifest> LoadAsync(CancellationToken cancellationToken) =>
        Parse(await Store.ReadVersionedAsync(ManifestPath, cancellationToken)) ?? ShardManifest.Empty;

    /// <summary>Adds <paramref name="entry"/> unless its name is already committed (see <see cref="CommitOutcome"/>).</summary>
    public async Task<ShardCommit> CommitAsync(ShardEntry entry, string imageColumn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        for (var attempt = 1; ; attempt++)
        {
            var current = await Store.ReadVersionedAsync(ManifestPath, cancellationToken);
            var manifest = Parse(current) ?? ShardManifest.Empty;
            if (manifest.Find(entry.Name) is { } existing)
            {
                return new ShardCommit(existing.Sha256 == entry.Sha256 ? CommitOutcome.AlreadyCommitted : CommitOutcome.KeptExisting, existing);
            }

            if (manifest.ImageColumn is not null && manifest.ImageColumn != imageColumn)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)} holds '{manifest.ImageColumn}' shards; shard '{entry.Name}' has '{imageColumn}' images");
            }

            var updated = manifest with { ImageColumn = imageColumn, Shards = [.. manifest.Shards, entry] };
            if (await Store.TryReplaceAsync(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(updated, Json), current?.Version, cancellationToken))
            {
                return new ShardCommit(CommitOutcome.Committed, entry);
            }

            if (attempt == MaxAttempts)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)}: gave up committing '{entry.Name}' after {MaxAttempts} concurrent updates");
            }

            await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 20)), cancellationToken);
        }
    }

    /// <summary>Serializes a manifest the way it is stored (for tools and tests).</summary>
    public static byte[] Serialize(ShardManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

    private ShardManifest? Parse(VersionedContent? content)
    {
        if (content is null)
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<ShardManifest>(content.Content, Json)
                ?? throw new ShardManifestException($"{Store.Describe(ManifestPath)} is empty");
            if (manifest.Format != ShardManifest.CurrentFormat)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)} has format '{manifest.Format}', this version reads '{ShardManifest.CurrentFormat}'");
            }

            return manifest;
        }
        catch (JsonException ex)
        {
            throw new ShardManifestException($"{Store.Describe(ManifestPath)} is not a valid manifest: {ex.Message} (byte {ex.BytePositionInLine}, line {ex.LineNumber})", ex);
        }
    }
}
