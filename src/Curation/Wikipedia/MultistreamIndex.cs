using System.Globalization;
using System.Text;
using ICSharpCode.SharpZipLib.BZip2;

namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// The index of a multistream dump: lines of <c>offset:page_id:title</c> (plain or bzip2-compressed). Only the
/// distinct stream offsets matter here; they are the points where the dump can be split.
/// </summary>
public static class MultistreamIndex
{
    /// <summary>Reads the index's distinct stream offsets in increasing order.</summary>
    /// <exception cref="InvalidDataException">A line is malformed or the offsets go backwards; the message names the file and line.</exception>
    public static List<long> ReadStreamOffsets(string path, CancellationToken cancellationToken)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[3];
        var compressed = file.Read(magic) == 3 && magic.SequenceEqual("BZh"u8);
        file.Position = 0;
        using Stream text = compressed ? new BZip2InputStream(file) { IsStreamOwner = false } : file;
        using var reader = new StreamReader(text, new UTF8Encoding(false, throwOnInvalidBytes: false));
        var offsets = new List<long>();
        long number = 0;
        try
        {
            while (reader.ReadLine() is { } line)
            {
                number++;
                if ((number & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (line.Length == 0)
                {
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || !long.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                {
                    throw new InvalidDataException($"{path}:{number}: not an index line (offset:page_id:title): {line[..Math.Min(line.Length, 80)]}");
                }

                if (offsets.Count == 0 || offset > offsets[^1])
                {
                    offsets.Add(offset);
                }
                else if (offset < offsets[^1])
                {
                    throw new InvalidDataException($"{path}:{number}: stream offset {offset} comes after {offsets[^1]}; the index must be in file order");
                }
            }
        }
        catch (BZip2Exception ex)
        {
            throw new InvalidDataException($"{path}: corrupt bzip2 data after line {number}: {ex.Message}", ex);
        }

        if (offsets.Count == 0)
        {
            throw new InvalidDataException($"{path}: the index lists no streams");
        }

        return offsets;
    }
}
