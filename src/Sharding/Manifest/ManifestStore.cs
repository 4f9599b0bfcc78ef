using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Manifest;

/// <summary>
/// Reads and commits the manifest by optimistic concurrency: read the root with a version, add the entry, replace
/// only if nobody committed in between, else reread and try again. The root (<c>manifest.json</c>) holds only the
/// open segment, the latest commits (fewer than its segment size); every full segment is sealed into an immutable
/// file (<c>manifest.segments/NNNNNNNN.json</c>) that the root counts. A commit therefore reads and rewrites a root
/// of bounded size whatever the number of shards, and checks a name against the sealed segments through a
/// process-wide cache of their names (immutable files, read once). Format 1 manifests (every shard in the root) are
/// read as they are and converted by their next commit.
/// </summary>
public sealed class ManifestStore(IShardStore store)
{
    /// <summary>The root's path in the store.</summary>
    public const string ManifestPath = "manifest.json";

    /// <summary>The folder of sealed segments.</summary>
    public const string SegmentFolder = "manifest.segments";

    /// <summary>Shards per sealed segment in new manifests: the root never holds more.</summary>
    public const int DefaultSegmentSize = 64;

    private const int MaxAttempts = 100;
    private const string LegacyFormat = "pipeline-shards/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Sealed segments never change, so every writer of a process shares what it read of them (keyed by store and root id).
    private static readonly ConcurrentDictionary<string, SealedNames> Sealed = new(StringComparer.Ordinal);

    /// <summary>The store the manifest is in.</summary>
    public IShardStore Store { get; } = store;

    /// <summary>Shards per sealed segment for a manifest this store creates.</summary>
    public int SegmentSize { get; init; } = DefaultSegmentSize;

    /// <summary>The path of sealed segment <paramref name="index"/>.</summary>
    public static string SegmentPath(int index) => string.Create(CultureInfo.InvariantCulture, $"{SegmentFolder}/{index:D8}.json");

    /// <summary>The committed manifest: sealed segments in order, then the open one; <see cref="ShardManifest.Empty"/> when nothing was committed yet.</summary>
    public async Task<ShardManifest> LoadAsync(CancellationToken cancellationToken)
    {
        var root = await ReadRootAsync(cancellationToken);
        if (root is null)
        {
            return ShardManifest.Empty;
        }

        var shards = new List<ShardEntry>();
        for (var s = 0; s < root.Value.Root.SealedSegments; s++)
        {
            shards.AddRange((await ReadSegmentAsync(root.Value.Root, s, cancellationToken)).Shards);
        }

        shards.AddRange(root.Value.Root.Shards);
        return new ShardManifest(ShardManifest.CurrentFormat, root.Value.Root.ImageColumn, shards);
    }

    /// <summary>The committed entry named <paramref name="name"/>, or null; reads the root and, for a sealed name, its segment.</summary>
    public async Task<ShardEntry?> FindAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return await ReadRootAsync(cancellationToken) is { } root ? await FindAsync(root.Root, name, cancellationToken) : null;
    }

    /// <summary>Adds <paramref name="entry"/> unless its name is already committed (see <see cref="CommitOutcome"/>).</summary>
    public async Task<ShardCommit> CommitAsync(ShardEntry entry, string imageColumn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        for (var conflicts = 0; ;)
        {
            var read = await ReadRootAsync(cancellationToken);
            var root = read?.Root ?? ManifestRoot.New(SegmentSize);
            if (await FindAsync(root, entry.Name, cancellationToken) is { } existing)
            {
                return new ShardCommit(existing.Sha256 == entry.Sha256 ? CommitOutcome.AlreadyCommitted : CommitOutcome.KeptExisting, existing);
            }

            if (root.ImageColumn is not null && root.ImageColumn != imageColumn)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)} holds '{root.ImageColumn}' shards; shard '{entry.Name}' has '{imageColumn}' images");
            }

            // A full open segment (or a format 1 manifest's shards) is sealed first, one segment per replace.
            var sealing = root.Shards.Count >= root.SegmentSize;
            var updated = sealing
                ? await SealAsync(root, cancellationToken)
                : root with { ImageColumn = imageColumn, Shards = [.. root.Shards, entry] };
            if (await Store.TryReplaceAsync(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(updated, Json), read?.Version, cancellationToken))
            {
                if (!sealing)
                {
                    return new ShardCommit(CommitOutcome.Committed, entry);
                }

                continue;
            }

            if (++conflicts == MaxAttempts)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)}: gave up committing '{entry.Name}' after {MaxAttempts} concurrent updates");
            }

            await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(conflicts, 20)), cancellationToken);
        }
    }

    /// <summary>
    /// Replaces the committed entry of <paramref name="entry"/>'s name by it, provided the committed file is still the one
    /// with SHA-256 <paramref name="expectedSha256"/> (what a rewrite read): <see cref="CommitOutcome.Committed"/> when
    /// replaced, <see cref="CommitOutcome.AlreadyCommitted"/> when the entry already has <paramref name="entry"/>'s content,
    /// <see cref="CommitOutcome.KeptExisting"/> when someone else replaced it first. An entry of the open segment is
    /// replaced in the root; one of a sealed segment by a new revision of that segment (an immutable file of a name unique
    /// to the attempt) that the root names in place of the original, so a replace costs one segment whatever the store's size.
    /// </summary>
    /// <exception cref="ShardManifestException">No shard of that name is committed.</exception>
    public async Task<ShardCommit> ReplaceAsync(ShardEntry entry, string expectedSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(expectedSha256);
        for (var conflicts = 0; ;)
        {
            var read = await ReadRootAsync(cancellationToken)
                ?? throw new ShardManifestException($"{Store.Describe(ManifestPath)} does not exist: no shard '{entry.Name}' to replace");
            var root = read.Root;
            var openIndex = root.Shards.Select(s => s.Name).ToList().IndexOf(entry.Name);
            int? sealedIndex = openIndex >= 0 ? null : await SealedSegmentOfAsync(root, entry.Name, cancellationToken)
                ?? throw new ShardManifestException($"{Store.Describe(ManifestPath)} lists no shard '{entry.Name}' to replace");
            var segment = sealedIndex is { } s0 ? await ReadSegmentAsync(root, s0, cancellationToken) : null;
            var existing = segment is null ? root.Shards[openIndex] : segment.Shards.First(s => s.Name == entry.Name);
            if (existing.Sha256 == entry.Sha256)
            {
                return new ShardCommit(CommitOutcome.AlreadyCommitted, existing);
            }

            if (existing.Sha256 != expectedSha256)
            {
                return new ShardCommit(CommitOutcome.KeptExisting, existing);
            }

            ManifestRoot updated;
            string? revision = null;
            if (segment is null)
            {
                updated = root with { Shards = [.. root.Shards.Take(openIndex), entry, .. root.Shards.Skip(openIndex + 1)] };
            }
            else
            {
                var index = sealedIndex!.Value;
                revision = string.Create(CultureInfo.InvariantCulture, $"{SegmentFolder}/{index:D8}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.json");
                var revised = segment with { Shards = [.. segment.Shards.Select(s => s.Name == entry.Name ? entry : s)] };
                if (!await Store.TryReplaceAsync(revision, JsonSerializer.SerializeToUtf8Bytes(revised, Json), null, cancellationToken))
                {
                    throw new ShardManifestException($"{Store.Describe(revision)} exists already: cannot write a revision of segment {index}");
                }

                updated = root with { Revisions = new Dictionary<int, string>(root.Revisions ?? new Dictionary<int, string>()) { [index] = revision } };
            }

            if (await Store.TryReplaceAsync(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(updated, Json), read.Version, cancellationToken))
            {
                return new ShardCommit(CommitOutcome.Committed, entry);
            }

            if (revision is not null)
            {
                await Store.DeleteAsync(revision, cancellationToken);
            }

            if (++conflicts == MaxAttempts)
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)}: gave up replacing '{entry.Name}' after {MaxAttempts} concurrent updates");
            }

            await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(conflicts, 20)), cancellationToken);
        }
    }

    /// <summary>Serializes a manifest the way a format 1 root stored it (for tools and tests that write one by hand).</summary>
    public static byte[] Serialize(ShardManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return JsonSerializer.SerializeToUtf8Bytes(new ManifestRoot(LegacyFormat, null, manifest.ImageColumn, 0, 0, manifest.Shards), Json);
    }

    /// <summary>Writes the open segment's first <see cref="ManifestRoot.SegmentSize"/> shards as the next sealed segment; returns the root that counts it.</summary>
    private async Task<ManifestRoot> SealAsync(ManifestRoot root, CancellationToken cancellationToken)
    {
        var index = root.SealedSegments;
        var segment = new ManifestSegment(root.Id!, index, [.. root.Shards.Take(root.SegmentSize)]);
        var path = SegmentPath(index);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(segment, Json);

        // Every writer that read this root seals the same shards; a file left by a deleted manifest of another id is replaced.
        if (!await Store.TryReplaceAsync(path, bytes, null, cancellationToken)
            && await Store.ReadVersionedAsync(path, cancellationToken) is { } found
            && ParseSegment(found.Content, path) is { } other && (other.Id != segment.Id || other.Index != index))
        {
            await Store.TryReplaceAsync(path, bytes, found.Version, cancellationToken);
        }

        return root with { SealedSegments = index + 1, Shards = [.. root.Shards.Skip(root.SegmentSize)] };
    }

    private async Task<ShardEntry?> FindAsync(ManifestRoot root, string name, CancellationToken cancellationToken)
    {
        foreach (var shard in root.Shards)
        {
            if (shard.Name == name)
            {
                return shard;
            }
        }

        return await SealedSegmentOfAsync(root, name, cancellationToken) is { } index ? (await ReadSegmentAsync(root, index, cancellationToken)).Shards.First(s => s.Name == name) : null;
    }

    /// <summary>The sealed segment that lists <paramref name="name"/>, or null.</summary>
    private async Task<int?> SealedSegmentOfAsync(ManifestRoot root, string name, CancellationToken cancellationToken)
    {
        if (root.SealedSegments == 0)
        {
            return null;
        }

        var names = Sealed.GetOrAdd($"{Store.Location}\n{root.Id}", _ => new SealedNames());
        int? segment;
        await names.Gate.WaitAsync(cancellationToken);
        try
        {
            for (var s = names.Segments; s < root.SealedSegments; s++)
            {
                foreach (var shard in (await ReadSegmentAsync(root, s, cancellationToken)).Shards)
                {
                    names.SegmentOf.TryAdd(shard.Name, s);
                }

                names.Segments = s + 1;
            }

            segment = names.SegmentOf.TryGetValue(name, out var s2) ? s2 : null;
        }
        finally
        {
            names.Gate.Release();
        }

        return segment;
    }

    private async Task<(ManifestRoot Root, string Version)?> ReadRootAsync(CancellationToken cancellationToken)
    {
        var content = await Store.ReadVersionedAsync(ManifestPath, cancellationToken);
        if (content is null)
        {
            return null;
        }

        try
        {
            var root = JsonSerializer.Deserialize<ManifestRoot>(content.Content, Json)
                ?? throw new ShardManifestException($"{Store.Describe(ManifestPath)} is empty");
            if (root.Format is not (ShardManifest.CurrentFormat or LegacyFormat))
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)} has format '{root.Format}', this version reads '{ShardManifest.CurrentFormat}' and '{LegacyFormat}'");
            }

            if (root.Format == ShardManifest.CurrentFormat && (root.Id is null || root.SegmentSize < 1 || root.SealedSegments < 0))
            {
                throw new ShardManifestException($"{Store.Describe(ManifestPath)} lacks its id, segment size or sealed segment count");
            }

            // A format 1 root becomes this format at its next commit, with this store's segment size and an id every
            // writer derives alike from its bytes, so writers converting it at once seal the same segments.
            return root.Format == LegacyFormat
                ? (root with
                {
                    Format = ShardManifest.CurrentFormat,
                    Id = "v1-" + Convert.ToHexStringLower(SHA256.HashData(content.Content))[..24],
                    SegmentSize = SegmentSize,
                    SealedSegments = 0,
                    Shards = root.Shards ?? [],
                }, content.Version)
                : (root with { Shards = root.Shards ?? [] }, content.Version);
        }
        catch (JsonException ex)
        {
            throw new ShardManifestException($"{Store.Describe(ManifestPath)} is not a valid manifest: {ex.Message} (byte {ex.BytePositionInLine}, line {ex.LineNumber})", ex);
        }
    }

    private async Task<ManifestSegment> ReadSegmentAsync(ManifestRoot root, int index, CancellationToken cancellationToken)
    {
        var path = root.Revisions is { } revisions && revisions.TryGetValue(index, out var revision) ? revision : SegmentPath(index);
        var content = await Store.ReadVersionedAsync(path, cancellationToken)
            ?? throw new ShardManifestException($"{Store.Describe(path)} is missing: {Store.Describe(ManifestPath)} counts {root.SealedSegments} sealed segments");
        var segment = ParseSegment(content.Content, path);
        if (segment.Id != root.Id || segment.Index != index || segment.Shards.Count != root.SegmentSize)
        {
            throw new ShardManifestException(
                $"{Store.Describe(path)} is not segment {index} of this manifest (id {segment.Id}, index {segment.Index}, {segment.Shards.Count} shards; the root has id {root.Id}, {root.SegmentSize} shards per segment)");
        }

        return segment;
    }

    private ManifestSegment ParseSegment(byte[] content, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ManifestSegment>(content, Json) ?? throw new ShardManifestException($"{Store.Describe(path)} is empty");
        }
        catch (JsonException ex)
        {
            throw new ShardManifestException($"{Store.Describe(path)} is not a valid manifest segment: {ex.Message} (byte {ex.BytePositionInLine}, line {ex.LineNumber})", ex);
        }
    }

    /// <summary>The root file: the open segment's shards and how many sealed segments precede them.</summary>
    /// <param name="Format"><see cref="ShardManifest.CurrentFormat"/>, or format 1 (no id, no segments).</param>
    /// <param name="Id">Names this manifest, so a segment left by a deleted one is never read as its own.</param>
    /// <param name="ImageColumn">The image column every shard has; null while empty.</param>
    /// <param name="SegmentSize">Shards per sealed segment.</param>
    /// <param name="SealedSegments">Sealed segments, numbered from 0.</param>
    /// <param name="Shards">The open segment, in commit order.</param>
    /// <param name="Revisions">Sealed segments whose entries were replaced: the path of each one's current revision, by index; null when none.</param>
    private sealed record ManifestRoot(string Format, string? Id, string? ImageColumn, int SegmentSize, int SealedSegments, IReadOnlyList<ShardEntry> Shards, IReadOnlyDictionary<int, string>? Revisions = null)
    {
        public static ManifestRoot New(int segmentSize) => new(ShardManifest.CurrentFormat, Guid.NewGuid().ToString("N"), null, segmentSize, 0, []);
    }

    /// <summary>A sealed segment: exactly the root's segment size of shards, in commit order.</summary>
    private sealed record ManifestSegment(string Id, int Index, IReadOnlyList<ShardEntry> Shards);

    /// <summary>The names in a manifest's sealed segments, and which segment holds each; segments read so far.</summary>
    private sealed class SealedNames
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Dictionary<string, int> SegmentOf { get; } = new(StringComparer.Ordinal);

        public int Segments { get; set; }
    }
}
