namespace Pipeline.Crawler.Images;

/// <summary>Recognises an image format from its magic bytes; servers often declare the wrong Content-Type.</summary>
public static class ImageSniffer
{
    /// <summary>The format <paramref name="bytes"/> start with, or null when it is none we accept (HTML, SVG, empty, ...).</summary>
    public static SourceImageFormat? Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((byte[])[0xFF, 0xD8, 0xFF]))
        {
            return SourceImageFormat.Jpeg;
        }

        if (bytes.StartsWith((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return SourceImageFormat.Png;
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return SourceImageFormat.Gif;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return SourceImageFormat.Webp;
        }

        if (bytes.Length >= 14 && bytes.StartsWith("BM"u8))
        {
            return SourceImageFormat.Bmp;
        }

        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return SourceImageFormat.Tiff;
        }

        if (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8) && (bytes[8..12].SequenceEqual("avif"u8) || bytes[8..12].SequenceEqual("avis"u8)))
        {
            return SourceImageFormat.Avif;
        }

        return null;
    }
}
