using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Lists;

/// <summary>One entry of a URL list.</summary>
/// <param name="Url">The image URL, as written.</param>
/// <param name="Caption">Its text, when the list has one.</param>
/// <param name="PageUrl">The page it came from, when the list says.</param>
/// <param name="Key">Its key, when the list has one.</param>
/// <param name="Line">1-based line (text formats) or row (Parquet).</param>
/// <param name="Offset">Byte offset of the line in the decompressed stream, or -1 for Parquet rows.</param>
/// <param name="Lineage">The pair's lineage when the list has it (matched or balanced pairs); null for a plain URL list.</param>
public sealed record UrlListRecord(string Url, string? Caption, string? PageUrl, string? Key, long Line, long Offset, PairLineage? Lineage = null);
