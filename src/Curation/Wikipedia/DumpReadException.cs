namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// A dump could not be read: corrupt compression, truncated or malformed XML. The message names the file, the
/// partition, the compressed offset of the bzip2 stream (or 0) and the offset in its decompressed text.
/// </summary>
public sealed class DumpReadException : Exception
{
    public DumpReadException()
    {
    }

    public DumpReadException(string message)
        : base(message)
    {
    }

    public DumpReadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Builds the message from where the failure happened.</summary>
    public DumpReadException(DumpPartition partition, long streamOffset, long textOffset, string reason, Exception? innerException = null)
        : base($"{partition.File}: {partition.Describe()}, {(partition.Format == DumpFormat.Xml ? "" : $"bzip2 stream at byte {streamOffset:N0}, ")}decompressed byte {textOffset:N0}: {reason}", innerException)
    {
        File = partition.File;
        Partition = partition.Number;
        StreamOffset = streamOffset;
        TextOffset = textOffset;
    }

    /// <summary>The dump file.</summary>
    public string? File { get; }

    /// <summary>The partition's number.</summary>
    public int Partition { get; }

    /// <summary>Offset in the file of the bzip2 stream being read (0 for plain XML).</summary>
    public long StreamOffset { get; }

    /// <summary>Offset in that stream's decompressed text.</summary>
    public long TextOffset { get; }
}
