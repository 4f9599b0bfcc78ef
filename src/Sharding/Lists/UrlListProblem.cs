namespace Pipeline.Sharding.Lists;

/// <summary>An entry of a URL list that could not be read and was skipped.</summary>
/// <param name="File">The list file.</param>
/// <param name="Line">1-based line (text formats) or row (Parquet).</param>
/// <param name="Offset">Byte offset of the line in the decompressed stream, or -1 for Parquet rows.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record UrlListProblem(string File, long Line, long Offset, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => Offset >= 0 ? $"{File}:{Line} (byte {Offset}): {Reason}" : $"{File}: row {Line}: {Reason}";
}
