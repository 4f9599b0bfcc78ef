using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Pipeline.Crawler.Sources.Warc;

/// <summary>An HTTP response as a WARC response record stores it: status line, header fields, and the payload with transfer and content codings undone.</summary>
/// <param name="Status">The status code.</param>
/// <param name="ContentType">The Content-Type field, if any.</param>
/// <param name="Body">The payload, de-chunked and decompressed.</param>
public sealed record HttpResponseBlock(int Status, string? ContentType, byte[] Body)
{
    /// <summary>Parses <paramref name="block"/>.</summary>
    /// <exception cref="InvalidDataException">Not an HTTP response, or a damaged coding.</exception>
    public static HttpResponseBlock Parse(byte[] block, long maxBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(block);
        var headerEnd = block.AsSpan().IndexOf("\r\n\r\n"u8);
        var separator = 4;
        if (headerEnd < 0)
        {
            headerEnd = block.AsSpan().IndexOf("\n\n"u8);
            separator = 2;
        }

        if (headerEnd < 0)
        {
            throw new InvalidDataException("no end of the HTTP header");
        }

        var lines = Encoding.Latin1.GetString(block, 0, headerEnd).Split('\n');
        var statusParts = lines[0].Trim().Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new InvalidDataException($"not an HTTP status line: '{lines[0].Trim()}'");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var body = block.AsMemory(headerEnd + separator);
        if (headers.GetValueOrDefault("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            body = Dechunk(body.Span);
        }

        var decoded = headers.GetValueOrDefault("Content-Encoding")?.Trim().ToLowerInvariant() switch
        {
            "gzip" or "x-gzip" => Decompress(new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress), maxBodyBytes),
            "deflate" => Decompress(new ZLibStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress), maxBodyBytes),
            "br" => Decompress(new BrotliStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress), maxBodyBytes),
            _ => body.ToArray(),
        };
        return new HttpResponseBlock(status, headers.GetValueOrDefault("Content-Type"), decoded);
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var lineEnd = data.IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(data[..lineEnd]).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0 || size > data.Length - lineEnd - 1)
            {
                throw new InvalidDataException($"bad chunk size '{sizeText}'");
            }

            if (size == 0)
            {
                break;
            }

            output.Write(data.Slice(lineEnd + 1, size));
            data = data[(lineEnd + 1 + size)..];
            data = data.StartsWith("\r\n"u8) ? data[2..] : data.StartsWith("\n"u8) ? data[1..] : data;
        }

        return output.ToArray();
    }

    private static byte[] Decompress(Stream decompressing, long maxBytes)
    {
        using (decompressing)
        {
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = decompressing.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                if (output.Length > maxBytes)
                {
                    throw new InvalidDataException($"payload decompresses past {maxBytes} bytes");
                }
            }

            return output.ToArray();
        }
    }
}
