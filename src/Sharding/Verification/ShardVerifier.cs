using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Sharding.Verification;

/// <summary>
/// Checks a store against its manifest: every listed shard exists with the listed size and SHA-256, its footer
/// and schema read, and every row group matches its checksum and decodes. Files the manifest does not list
/// (from a crash between publishing and committing) and staging files are reported as warnings: readers never
/// see them, and they may belong to a writer still at work (<see cref="Leftovers.LeftoverCollector"/> removes
/// those of dead writers).
/// </summary>
public static class ShardVerifier
{
    /// <summary>Verifies everything; <paramref name="progress"/> hears of each shard as it is done.</summary>
    public static async Task<VerificationReport> VerifyAsync(IShardStore store, IProgress<ShardEntry>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var problems = new List<ShardProblem>();
        ShardManifest manifest;
        try
        {
            manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        }
        catch (ShardManifestException ex)
        {
            return new VerificationReport(0, 0, 0, [new ShardProblem(true, null, ManifestStore.ManifestPath, ex.Message)]);
        }

        long bytes = 0;
        foreach (var group in manifest.Shards.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            problems.Add(new ShardProblem(true, group.Key, ManifestStore.ManifestPath, $"listed {group.Count()} times"));
        }

        foreach (var entry in manifest.Shards)
        {
            bytes += await VerifyShardAsync(store, entry, problems, cancellationToken);
            progress?.Report(entry);
        }

        var listed = manifest.Shards.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
        var removal = store.CanTellLiveWriters
            ? "'shard verify --clean' removes it unless its writer is still running"
            : "this store cannot tell whether its writer is still running: delete it by hand when no writer runs";
        await foreach (var item in store.ListAsync(ShardWriter.ShardFolder + "/", cancellationToken))
        {
            if (item.IsStaging)
            {
                problems.Add(new ShardProblem(false, null, item.Path, $"staging leftover of an unfinished write ({item.Length} bytes), never read; {removal}"));
            }
            else if (!listed.Contains(item.Path))
            {
                problems.Add(new ShardProblem(false, null, item.Path, $"not in the manifest ({item.Length} bytes): published but never committed, so readers ignore it; {removal}"));
            }
        }

        return new VerificationReport(manifest.Shards.Count, manifest.TotalSamples, bytes, [.. problems.OrderByDescending(p => p.IsError)]);
    }

    private static async Task<long> VerifyShardAsync(IShardStore store, ShardEntry entry, List<ShardProblem> problems, CancellationToken cancellationToken)
    {
        void Error(string message) => problems.Add(new ShardProblem(true, entry.Name, entry.Path, message));

        // Row groups first: their checksums say where the damage is, which the whole-file hash cannot.
        try
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                try
                {
                    var rows = await reader.ReadRowGroupAsync(g, cancellationToken);
                    var badHash = rows.FirstOrDefault(r => Convert.ToHexStringLower(SHA256.HashData(r.Image)) != r.Sha256);
                    if (badHash is not null)
                    {
                        Error($"row group {g}: sample '{badHash.Key}' image bytes do not match its sha256 column");
                    }
                }
                catch (ShardCorruptException ex)
                {
                    Error(ex.Message);
                }
            }
        }
        catch (ShardCorruptException ex)
        {
            Error(ex.Message);
            return 0;
        }

        await using var content = await store.OpenSequentialAsync(entry.Path, cancellationToken);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        if (sha != entry.Sha256)
        {
            Error($"SHA-256 of the file is {sha}, the manifest says {entry.Sha256}");
        }

        return entry.Bytes;
    }
}
