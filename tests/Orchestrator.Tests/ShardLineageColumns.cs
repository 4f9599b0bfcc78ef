using System.Security.Cryptography;
using ParquetSharp;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A sample's lineage columns as an independent Parquet reader (ParquetSharp, Apache Arrow's C++) sees them.</summary>
internal sealed record ShardLineageColumns(string Key, int[] MatchedEntryIds, int? KeptForEntry, double? KeepProbability, bool? Reserve, string ImageSha256)
{
    /// <summary>Everything but the fetch time, in one comparable line: key, lineage and the SHA-256 of the stored image bytes.</summary>
    public string Describe() =>
        $"{Key} [{string.Join(',', MatchedEntryIds)}] {KeptForEntry} {KeepProbability:R} {Reserve} {ImageSha256}";

    /// <summary>Every committed sample of the store at <paramref name="store"/>, read with ParquetSharp.</summary>
    public static async Task<List<ShardLineageColumns>> ReadStoreAsync(string store)
    {
        var manifest = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        var rows = new List<ShardLineageColumns>();
        foreach (var shard in manifest.Shards)
        {
            using var file = new ParquetFileReader(Path.Combine(store, shard.Path));
            var schema = file.FileMetaData.Schema;
            for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
            {
                using var group = file.RowGroup(g);
                var n = checked((int)group.MetaData.NumRows);
                var keys = Read<string>(group, schema, "key", n);
                var matched = Read<int[]>(group, schema, "matched_entry_ids.list.element", n);
                var keptFor = Read<int?>(group, schema, "kept_for_entry", n);
                var probability = Read<double?>(group, schema, "keep_probability", n);
                var reserve = Read<bool?>(group, schema, "reserve", n);
                var images = Read<byte[]>(group, schema, "jpg", n);
                for (var i = 0; i < n; i++)
                {
                    rows.Add(new ShardLineageColumns(keys[i], matched[i], keptFor[i], probability[i], reserve[i], Convert.ToHexStringLower(SHA256.HashData(images[i]))));
                }
            }
        }

        return rows;
    }

    private static T[] Read<T>(RowGroupReader group, SchemaDescriptor schema, string path, int rows)
    {
        using var column = group.Column(schema.ColumnIndex(path)).LogicalReader<T>();
        return column.ReadAll(rows);
    }
}
