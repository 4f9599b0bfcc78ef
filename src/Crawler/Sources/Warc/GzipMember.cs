namespace Pipeline.Crawler.Sources.Warc;

/// <summary>One decompressed member of a multi-member gzip file (Common Crawl writes one WARC record per member).</summary>
/// <param name="Offset">Byte offset of the member in the compressed file, as the Common Crawl index gives it.</param>
/// <param name="Length">Compressed length of the member.</param>
/// <param name="Data">The decompressed bytes.</param>
public sealed record GzipMember(long Offset, long Length, byte[] Data);
