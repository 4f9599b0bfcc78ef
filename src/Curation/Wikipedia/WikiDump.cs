namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// A MediaWiki <c>pages-articles</c> XML dump on a file system every worker can read: plain <c>.xml</c>, one
/// bzip2 stream, or a multistream bzip2 file with its index, which splits into partitions of whole streams.
/// </summary>
/// <param name="File">The dump, as an absolute path.</param>
/// <param name="Format">How it is stored.</param>
/// <param name="Index">The multistream index, as an absolute path; null for the other formats.</param>
public sealed record WikiDump(string File, DumpFormat Format, string? Index)
{
    private const string MultistreamSuffix = "-multistream.xml.bz2";

    /// <summary>
    /// Opens a dump. The format comes from the file's first bytes; a bzip2 file is read as multistream when an
    /// index is given, or found beside it (<c>NAME-multistream-index.txt.bz2</c> or <c>.txt</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The dump or the given index does not exist.</exception>
    public static WikiDump Open(string path, string? indexPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = Path.GetFullPath(path);
        if (!System.IO.File.Exists(file))
        {
            throw new FileNotFoundException($"Wikipedia dump {file} does not exist", file);
        }

        if (indexPath is not null && !System.IO.File.Exists(indexPath))
        {
            throw new FileNotFoundException($"multistream index {Path.GetFullPath(indexPath)} does not exist", indexPath);
        }

        if (!IsBzip2(file))
        {
            return indexPath is null
                ? new WikiDump(file, DumpFormat.Xml, null)
                : throw new ArgumentException($"{file} is not bzip2-compressed, so it cannot have a multistream index");
        }

        var index = indexPath ?? FindIndex(file);
        return index is null
            ? new WikiDump(file, DumpFormat.Bzip2, null)
            : new WikiDump(file, DumpFormat.MultistreamBzip2, Path.GetFullPath(index));
    }

    /// <summary>
    /// Splits the dump into partitions of whole bzip2 streams of about <paramref name="targetBytes"/> compressed
    /// bytes each (the header stream before the first indexed offset holds no pages and is left out); a plain or
    /// single-stream dump is one partition.
    /// </summary>
    public IReadOnlyList<DumpPartition> Partition(long targetBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetBytes, 1);
        var length = new FileInfo(File).Length;
        if (Format != DumpFormat.MultistreamBzip2)
        {
            return [new DumpPartition(0, File, Format, [], length)];
        }

        var offsets = MultistreamIndex.ReadStreamOffsets(Index!, cancellationToken);
        if (offsets[^1] >= length)
        {
            throw new InvalidDataException($"{Index}: stream offset {offsets[^1]:N0} lies beyond the end of {File} ({length:N0} bytes); is it the index of another dump?");
        }

        var partitions = new List<DumpPartition>();
        var first = 0;
        for (var i = 1; i <= offsets.Count; i++)
        {
            var end = i < offsets.Count ? offsets[i] : length;
            if (end - offsets[first] >= targetBytes || i == offsets.Count)
            {
                partitions.Add(new DumpPartition(partitions.Count, File, Format, offsets[first..i], end));
                first = i;
            }
        }

        return partitions;
    }

    private static bool IsBzip2(string file)
    {
        using var stream = System.IO.File.OpenRead(file);
        Span<byte> magic = stackalloc byte[3];
        return stream.Read(magic) == 3 && magic.SequenceEqual("BZh"u8);
    }

    private static string? FindIndex(string file)
    {
        if (!file.EndsWith(MultistreamSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var stem = file[..^MultistreamSuffix.Length] + "-multistream-index.txt";
        return new[] { stem + ".bz2", stem }.FirstOrDefault(System.IO.File.Exists);
    }
}
