using System.Security.Cryptography;
using NetVips;
using Pipeline.Crawler.Fetching;
using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Images;

/// <summary>
/// Turns downloaded bytes into a stored image with libvips: sniff the format, read only the header and refuse
/// decompression bombs before decoding, resize with one of img2dataset's modes (JPEGs shrink while decoding),
/// flatten transparency onto white, convert to 8-bit sRGB, and encode JPEG or WebP without metadata. Thread-safe.
/// </summary>
public sealed class ImageProcessor
{
    private readonly ImageOptions _options;

    static ImageProcessor()
    {
        // libvips' operation cache would keep recent source images alive; a crawler never sees the same bytes twice.
        // Images are processed one per thread, as many at once as there are cores: libvips' own worker threads per
        // image only add hand-offs (about 7% of the CPU of a fetch of small photos).
        if (ModuleInitializer.VipsInitialized)
        {
            Cache.Max = 0;
            NetVips.NetVips.Concurrency = 1;
        }
    }

    /// <summary>A processor with <paramref name="options"/>.</summary>
    public ImageProcessor(ImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>The libvips version that NetVips loaded, e.g. <c>8.18.7</c>.</summary>
    public static string LibvipsVersion =>
        ModuleInitializer.VipsInitialized
            ? $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}"
            : throw new InvalidOperationException("libvips did not initialise: " + ModuleInitializer.Exception?.Message);

    /// <summary>The options in force.</summary>
    public ImageOptions Options => _options;

    /// <summary>Validates, resizes and encodes <paramref name="encoded"/>.</summary>
    /// <exception cref="ImageRejectedException">Not an image, too many pixels, too small, or undecodable.</exception>
    public ProcessedImage Process(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var format = ImageSniffer.Sniff(encoded)
            ?? throw new ImageRejectedException(FetchErrorClass.NotAnImage, $"not an image we accept: {encoded.Length} bytes starting {Convert.ToHexString(encoded.AsSpan(0, Math.Min(8, encoded.Length)))}");
        try
        {
            int width, height, orientation;
            using (var header = Image.NewFromBuffer(encoded, access: Enums.Access.Sequential))
            {
                (width, height) = (header.Width, header.Height);
                orientation = header.GetTypeOf("orientation") == 0 ? 1 : (int)header.Get("orientation");
            }

            if ((long)width * height > _options.MaxPixels)
            {
                throw new ImageRejectedException(FetchErrorClass.ImageTooLarge, $"{format} declares {width}x{height} = {(long)width * height:N0} pixels, over the limit of {_options.MaxPixels:N0}");
            }

            if (Math.Min(width, height) < _options.MinSide)
            {
                throw new ImageRejectedException(FetchErrorClass.ImageTooSmall, $"{width}x{height} is below the minimum side of {_options.MinSide}");
            }

            // EXIF orientations 5 to 8 turn the picture a quarter: it is stored as height x width.
            var (uprightWidth, uprightHeight) = orientation >= 5 ? (height, width) : (width, height);
            using var resized = Resize(encoded, format, uprightWidth, uprightHeight, orientation);
            using var flat = resized.HasAlpha() ? resized.Flatten(background: [255, 255, 255]) : resized.Copy();
            using var srgb = flat.Interpretation == Enums.Interpretation.Srgb && flat.Format == Enums.BandFormat.Uchar ? flat.Copy() : flat.Colourspace(Enums.Interpretation.Srgb);
            var bytes = _options.Encoding == ImageEncoding.Webp
                ? srgb.WebpsaveBuffer(q: _options.Quality, keep: Enums.ForeignKeep.None)
                : srgb.JpegsaveBuffer(q: _options.Quality, keep: Enums.ForeignKeep.None, subsampleMode: _options.ChromaSubsampling ? Enums.ForeignSubsample.On : Enums.ForeignSubsample.Off);
            return new ProcessedImage(bytes, _options.Encoding, srgb.Width, srgb.Height, width, height, format, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch (VipsException ex)
        {
            throw new ImageRejectedException(FetchErrorClass.DecodeError, $"{format} of {encoded.Length} bytes does not decode: {FirstLine(ex.Message)}", ex);
        }
    }

    private const string Strict = "fail_on=truncated";

    private Image Resize(byte[] encoded, SourceImageFormat format, int width, int height, int orientation)
    {
        var size = _options.Size;
        var mode = _options.ResizeMode;
        var smaller = Math.Min(width, height);
        var larger = Math.Max(width, height);
        var fits = mode is ResizeMode.KeepRatioLargest or ResizeMode.Border ? larger <= size : smaller <= size;
        if (mode == ResizeMode.No || (_options.ResizeOnlyIfBigger && fits))
        {
            var whole = Image.NewFromBuffer(encoded, failOn: Enums.FailOn.Truncated);
            if (mode != ResizeMode.Border)
            {
                return whole;
            }

            using (whole)
            {
                return whole.Gravity(Enums.CompassDirection.Centre, Math.Max(size, whole.Width), Math.Max(size, whole.Height), extend: Enums.Extend.Black);
            }
        }

        switch (mode)
        {
            case ResizeMode.CenterCrop:
                var cover = (double)size / smaller;
                int coverWidth = Math.Max(size, Scaled(width, cover)), coverHeight = Math.Max(size, Scaled(height, cover));
                using (var covering = LoadScaled(encoded, format, width, height, orientation, coverWidth, coverHeight))
                {
                    return covering.Crop((coverWidth - size) / 2, (coverHeight - size) / 2, size, size);
                }

            case ResizeMode.KeepRatio:
            case ResizeMode.KeepRatioLargest:
                var scale = (double)size / (mode == ResizeMode.KeepRatio ? smaller : larger);
                return LoadScaled(encoded, format, width, height, orientation, Scaled(width, scale), Scaled(height, scale));
            case ResizeMode.Border:
                var inside = (double)size / larger;
                using (var inner = LoadScaled(encoded, format, width, height, orientation, Scaled(width, inside), Scaled(height, inside)))
                {
                    return inner.Gravity(Enums.CompassDirection.Centre, Math.Max(size, inner.Width), Math.Max(size, inner.Height), extend: Enums.Extend.Black);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(encoded), mode, "unknown resize mode");
        }
    }

    /// <summary>
    /// Decodes upright at exactly <paramref name="targetWidth"/> x <paramref name="targetHeight"/>. JPEGs decode at the
    /// smallest 1/2, 1/4 or 1/8 scale that still covers the target (libjpeg's DCT scaling), then one Lanczos-3 resize;
    /// libvips' thumbnail does the same job but costs about 40% more CPU on web-sized photos here (bench
    /// <c>fetch-command</c>), and most of a small image's time is the decode. Other formats go through thumbnail.
    /// </summary>
    private static Image LoadScaled(byte[] encoded, SourceImageFormat format, int width, int height, int orientation, int targetWidth, int targetHeight)
    {
        if (format != SourceImageFormat.Jpeg)
        {
            return Image.ThumbnailBuffer(encoded, targetWidth, optionString: Strict, height: targetHeight, size: Enums.Size.Force);
        }

        var shrink = 1;
        while (shrink < 8 && CeilingDivide(width, shrink * 2) >= targetWidth && CeilingDivide(height, shrink * 2) >= targetHeight)
        {
            shrink *= 2;
        }

        // A rotation reads the decoded pixels out of order, which a sequential load refuses.
        var rotated = orientation > 1;
        using var loaded = Image.JpegloadBuffer(encoded, shrink: shrink, failOn: Enums.FailOn.Truncated, access: rotated ? Enums.Access.Random : Enums.Access.Sequential);
        using var upright = rotated ? loaded.Autorot() : loaded.Copy();
        return upright.Width == targetWidth && upright.Height == targetHeight
            ? upright.Copy()
            : upright.Resize((double)targetWidth / upright.Width, vscale: (double)targetHeight / upright.Height);
    }

    private static int CeilingDivide(int value, int divisor) => (value + divisor - 1) / divisor;

    private static int Scaled(int side, double scale) => Math.Max(1, (int)Math.Round(side * scale));

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
