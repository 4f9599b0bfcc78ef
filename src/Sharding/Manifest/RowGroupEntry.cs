namespace Pipeline.Sharding.Manifest;

/// <summary>A row group's place in its shard file and its checksum; a reader fetches exactly this range.</summary>
/// <param name="Offset">First byte of the row group's column chunks.</param>
/// <param name="Length">Bytes of all its column chunks together.</param>
/// <param name="Rows">Rows in the group.</param>
/// <param name="XxHash64">Hex XXH64 of those bytes.</param>
public sealed record RowGroupEntry(long Offset, long Length, int Rows, string XxHash64);
