using NetVips;

namespace Pipeline.Crawler.Images;

/// <summary>Shrinks encoded images to fit a box with libvips, which shrinks JPEGs while decoding.</summary>
public static class ImageThumbnailer
{
    /// <summary>The libvips version that NetVips loaded, e.g. <c>8.18.7</c>.</summary>
    public static string LibvipsVersion =>
        ModuleInitializer.VipsInitialized
            ? $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}"
            : throw new InvalidOperationException("libvips did not initialise: " + ModuleInitializer.Exception?.Message);

    /// <summary>Decodes <paramref name="encoded"/>, fits it inside <paramref name="maxSide"/> squared (never enlarging) and encodes JPEG.</summary>
    public static Thumbnail Create(byte[] encoded, int maxSide, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);

        try
        {
            using var header = Image.NewFromBuffer(encoded, access: Enums.Access.Sequential);
            using var thumbnail = Image.ThumbnailBuffer(encoded, maxSide, height: maxSide, size: Enums.Size.Down);
            var jpeg = thumbnail.JpegsaveBuffer(q: quality, optimizeCoding: true, keep: Enums.ForeignKeep.None);
            return new Thumbnail(header.Width, header.Height, thumbnail.Width, thumbnail.Height, jpeg);
        }
        catch (VipsException ex)
        {
            throw new ImageDecodeException($"not a decodable image ({encoded.Length} bytes): {FirstLine(ex.Message)}", ex);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
