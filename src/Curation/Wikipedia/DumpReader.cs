using System.Xml;
using ICSharpCode.SharpZipLib.BZip2;

namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// Reads the pages of one dump partition: decompresses its bzip2 streams one by one (each bounded to its own byte
/// range), finds the pages and parses each with an XML reader. Failures become a <see cref="DumpReadException"/>
/// that names the file, the partition, the stream and the offset.
/// </summary>
/// <remarks>Synchronous on purpose: decompression and parsing are CPU work that a worker runs on its own thread.</remarks>
public sealed class DumpReader(DumpPartition partition)
{
    private static readonly XmlReaderSettings PageXml = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        DtdProcessing = DtdProcessing.Prohibit,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    private long _finishedBytes;
    private Func<long> _currentBytes = () => 0;

    /// <summary>Compressed (or plain) bytes of the partition read so far, for progress.</summary>
    public long BytesRead => _finishedBytes + _currentBytes();

    /// <summary>Streams every page of the partition, articles or not.</summary>
    /// <exception cref="DumpReadException">The data is corrupt, truncated or not a dump.</exception>
    public IEnumerable<WikiPage> ReadPages(CancellationToken cancellationToken)
    {
        using var file = new FileStream(partition.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (partition.Format == DumpFormat.MultistreamBzip2)
        {
            for (var s = 0; s < partition.Streams.Count; s++)
            {
                var start = partition.Streams[s];
                var end = s + 1 < partition.Streams.Count ? partition.Streams[s + 1] : partition.End;
                foreach (var page in ReadStream(file, start, end - start, cancellationToken))
                {
                    yield return page;
                }

                _finishedBytes += end - start;
            }
        }
        else
        {
            foreach (var page in ReadStream(file, 0, file.Length, cancellationToken))
            {
                yield return page;
            }

            _finishedBytes = file.Length;
        }

        _currentBytes = () => 0;
    }

    private IEnumerable<WikiPage> ReadStream(FileStream file, long start, long length, CancellationToken cancellationToken)
    {
        var range = new ByteRangeStream(file, start, length);
        _currentBytes = () => range.Position;
        Stream? text = null;
        PageScanner? scanner = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                WikiPage page;
                long offset = 0;
                try
                {
                    // The decoder reads the stream header and first block as it is made.
                    text ??= partition.Format == DumpFormat.Xml ? range : new BZip2InputStream(range) { IsStreamOwner = false };
                    scanner ??= new PageScanner(text);
                    if (!scanner.TryNext(out var bytes, out offset))
                {
                        break;
                    }

                    page = Parse(bytes);
                }
                catch (Exception ex) when (ex is BZip2Exception or EndOfStreamException or InvalidDataException or XmlException or FormatException or IndexOutOfRangeException)
                {
                    // SharpZipLib reports some corrupt Huffman tables as index errors.
                    var at = ex is XmlException ? offset : scanner?.Offset ?? 0;
                    throw new DumpReadException(partition, start, at, $"{Kind(ex)}: {ex.Message}", ex);
                }

                yield return page;
            }
        }
        finally
        {
            text?.Dispose();
        }
    }

    private static string Kind(Exception ex) => ex switch
    {
        BZip2Exception or IndexOutOfRangeException => "corrupt bzip2 data",
        EndOfStreamException => "truncated bzip2 stream",
        XmlException => "malformed page XML",
        _ => "unreadable dump",
    };

    private static WikiPage Parse(ArraySegment<byte> bytes)
    {
        using var reader = XmlReader.Create(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false), PageXml);
        string? title = null;
        string text = "";
        var ns = 0;
        var redirect = false;
        reader.MoveToContent();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "title":
                        title = reader.ReadElementContentAsString();
                        continue;
                    case "ns":
                        ns = reader.ReadElementContentAsInt();
                        continue;
                    case "redirect":
                        redirect = true;
                        break;
                    case "text":
                        text = reader.ReadElementContentAsString();
                        continue;
                    default:
                        break;
                }
            }

            reader.Read();
        }

        return new WikiPage(title ?? throw new XmlException("a page without a <title>"), ns, redirect, text);
    }
}
