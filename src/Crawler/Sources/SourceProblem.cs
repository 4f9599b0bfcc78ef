namespace Pipeline.Crawler.Sources;

/// <summary>A record of a source that could not be read and was skipped: where it is and why.</summary>
/// <param name="Source">The file or URL.</param>
/// <param name="Offset">Byte offset in the source (of the gzip member or record; for text files, of the line), or -1.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record SourceProblem(string Source, long Offset, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => Offset >= 0 ? $"{Source} at byte {Offset}: {Reason}" : $"{Source}: {Reason}";
}
