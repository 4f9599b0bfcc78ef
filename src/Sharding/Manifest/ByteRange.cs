namespace Pipeline.Sharding.Manifest;

/// <summary>A checksummed byte range of a file.</summary>
/// <param name="Offset">First byte.</param>
/// <param name="Length">Number of bytes.</param>
/// <param name="XxHash64">Hex XXH64 of those bytes.</param>
public sealed record ByteRange(long Offset, long Length, string XxHash64);
