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
        if (ModuleInitializer.VipsInitialized)
        {
            Cache.Max = 0;
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
            int width, height;
            using (var header = Image.NewFromBuffer(encoded, access: Enums.Access.Sequential))
            {
                (width, height) = (header.Width, header.Height);
            }

            if ((long)width * height > _options.MaxPixels)
            {
                throw new ImageRejectedException(FetchErrorClass.ImageTooLarge, $"{format} declares {width}x{height} = {(long)width * height:N0} pixels, over the limit of {_options.MaxPixels:N0}");
            }

            if (Math.Min(width, height) < _options.MinSide)
            {
                throw new ImageRejectedException(FetchErrorClass.ImageTooSmall, $"{width}x{height} is below the minimum side of {_options.MinSide}");
            }

            using var resized = Resize(encoded, width, height);
            using var flat = resized.HasAlpha() ? resized.Flatten(background: [255, 255, 255]) : resized.Copy();
            using var srgb = flat.Interpretation == Enums.Interpretation.Srgb && flat.Format == Enums.BandFormat.Uchar ? flat.Copy() : flat.Colourspace(Enums.Interpretation.Srgb);
            var bytes = _options.Encoding == ImageEncoding.Webp
                ? srgb.WebpsaveBuffer(q: _options.Quality, keep: Enums.ForeignKeep.None)
                : srgb.JpegsaveBuffer(q: _options.Quality, keep: Enums.ForeignKeep.None);
            return new ProcessedImage(bytes, _options.Encoding, srgb.Width, srgb.Height, width, height, format, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch (VipsException ex)
        {
            throw new ImageRejectedException(FetchErrorClass.DecodeError, $"{format} of {encoded.Length} bytes does not decode: {FirstLine(ex.Message)}", ex);
        }
    }

    private Image Resize(byte[] encoded, int width, int height)
    {
        const string Strict = "fail_on=truncated";
        var size = _options.Size;
        var mode = _options.ResizeMode;
        var smaller = Math.Min(width, height);
        var larger = Math.Max(width, height);
        var fits = mode is ResizeMode.KeepRatioLargest or ResizeMode.Border ? larger <= size : smaller <= size;
        if (mode == ResizeMode.No || (_options.ResizeOnlyIfBigger && fits && mode != ResizeMode.Border))
        {
            return Image.NewFromBuffer(encoded, failOn: Enums.FailOn.Truncated);
        }

        switch (mode)
        {
            case ResizeMode.CenterCrop:
                return _options.ResizeOnlyIfBigger && fits
                    ? Image.NewFromBuffer(encoded, failOn: Enums.FailOn.Truncated)
                    : Image.ThumbnailBuffer(encoded, size, optionString: Strict, height: size, size: Enums.Size.Both, crop: Enums.Interesting.Centre);
            case ResizeMode.KeepRatio:
            case ResizeMode.KeepRatioLargest:
                var scale = (double)size / (mode == ResizeMode.KeepRatio ? smaller : larger);
                return Image.ThumbnailBuffer(encoded, Scaled(width, scale), optionString: Strict, height: Scaled(height, scale), size: Enums.Size.Force);
            case ResizeMode.Border:
                using (var inner = _options.ResizeOnlyIfBigger && fits
                    ? Image.NewFromBuffer(encoded, failOn: Enums.FailOn.Truncated)
                    : Image.ThumbnailBuffer(encoded, Scaled(width, (double)size / larger), optionString: Strict, height: Scaled(height, (double)size / larger), size: Enums.Size.Force))
                {
                    return inner.Gravity(Enums.CompassDirection.Centre, Math.Max(size, inner.Width), Math.Max(size, inner.Height), extend: Enums.Extend.Black);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(encoded), mode, "unknown resize mode");
        }
    }

    private static int Scaled(int side, double scale) => Math.Max(1, (int)Math.Round(side * scale));

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
