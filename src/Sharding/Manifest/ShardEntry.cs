using System.Text.Json.Serialization;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Manifest;

/// <summary>One committed shard: where it is, what it holds, and checksums that cover every byte of it.</summary>
/// <param name="Name">Logical name, unique in the manifest (e.g. <c>part-00003-00001</c>).</param>
/// <param name="Path">Object path in the store; unique per write attempt, so a retry never overwrites a committed file.</param>
/// <param name="Samples">Rows in the shard.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">Hex SHA-256 of the whole file.</param>
/// <param name="CommittedAt">When it was committed (UTC).</param>
/// <param name="RowGroups">Byte range, rows and XXH64 of each row group, in file order.</param>
/// <param name="Footer">Byte range and XXH64 of the Parquet footer (from the end of the last row group to the end of the file), or of a tar's end-of-archive blocks.</param>
/// <param name="Format">The file format; null (as in manifests written before webdataset shards existed) means Parquet.</param>
public sealed record ShardEntry(
    string Name,
    string Path,
    long Samples,
    long Bytes,
    string Sha256,
    DateTimeOffset CommittedAt,
    IReadOnlyList<RowGroupEntry> RowGroups,
    ByteRange Footer,
    ShardFormat? Format = null)
{
    /// <summary>The file format, Parquet when the manifest does not say.</summary>
    [JsonIgnore]
    public ShardFormat FileFormat => Format ?? ShardFormat.Parquet;
}
