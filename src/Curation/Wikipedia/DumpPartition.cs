namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// A part of a dump that a worker reads on its own: a byte range of the file made of whole bzip2 streams
/// (multistream), or the whole file.
/// </summary>
/// <param name="Number">Position among the dump's partitions, from 0.</param>
/// <param name="File">The dump file, as an absolute path.</param>
/// <param name="Format">How the file is stored.</param>
/// <param name="Streams">Start offsets of the bzip2 streams in the partition (multistream only; empty otherwise).</param>
/// <param name="End">The byte after the partition's last stream (the file's length for the last partition).</param>
public sealed record DumpPartition(int Number, string File, DumpFormat Format, IReadOnlyList<long> Streams, long End)
{
    /// <summary>Where the partition starts in the file.</summary>
    public long Start => Streams.Count > 0 ? Streams[0] : 0;

    /// <summary>Compressed (or plain) bytes of the file the partition covers.</summary>
    public long Bytes => End - Start;

    /// <summary>A short name for progress and error lines, e.g. <c>partition 3 (bytes 1,024-2,048)</c>.</summary>
    public string Describe() => $"partition {Number} (bytes {Start:N0}-{End:N0})";
}
