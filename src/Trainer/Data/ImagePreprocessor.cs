using NetVips;

namespace Pipeline.Trainer.Data;

/// <summary>
/// CLIP's image transform with NetVips: decode with shrink-on-load, resize the shorter side to the model's size
/// and centre-crop, flatten transparency onto white, convert to 8-bit sRGB, then scale to [0, 1] and normalise
/// with CLIP's channel means and deviations into channel-first floats. Thread-safe.
/// An 8-bit RGB PNG (what the shapes data set and most re-encoded shards hold) takes a faster path with the same
/// result to within rounding: a plain libvips decode, then <see cref="CentreCropResampler"/>'s lanczos3 in managed
/// code, as libvips' resize pipeline costs more than the decode for images this small.
/// </summary>
public sealed class ImagePreprocessor(int size)
{
    /// <summary>CLIP's per-channel mean (RGB).</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (RGB).</summary>
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    static ImagePreprocessor()
    {
        // libvips' operation cache would keep recent source images alive; every training image is decoded once per epoch.
        if (ModuleInitializer.VipsInitialized)
        {
            Cache.Max = 0;
        }
    }

    // PNG's signature: such files have no shrink-on-load, so a full decode is what vips_thumbnail does too.
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // ((v / 255) - mean) / std for every byte value: the same expression per pixel as before, looked up.
    private static readonly float[][] Normalised = [.. Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 256).Select(v => ((v / 255f) - Mean[c]) / Std[c]).ToArray())];

    private readonly CentreCropResampler _resampler = new(size);

    public int Size { get; } = size;

    /// <summary>Floats per image: 3 × Size × Size.</summary>
    public int Length => 3 * Size * Size;

    /// <summary>Writes the image's normalised [3, Size, Size] pixels into <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image; the message says why.</exception>
    public void Process(byte[] encoded, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (destination.Length != Length)
        {
            throw new ArgumentException($"the destination holds {destination.Length} floats, an image is {Length}", nameof(destination));
        }

        byte[] pixels;
        try
        {
            pixels = TryDecodeAndResample(encoded) ?? Thumbnail(encoded);
        }
        catch (VipsException e)
        {
            throw new InvalidDataException($"not a decodable image: {FirstLine(e.Message)}", e);
        }

        // Interleaved HWC bytes to planar CHW floats.
        var plane = Size * Size;
        var (red, green, blue) = (Normalised[0], Normalised[1], Normalised[2]);
        var r = destination[..plane];
        var g = destination.Slice(plane, plane);
        var b = destination.Slice(2 * plane, plane);
        for (var i = 0; i < plane; i++)
        {
            r[i] = red[pixels[i * 3]];
            g[i] = green[pixels[(i * 3) + 1]];
            b[i] = blue[pixels[(i * 3) + 2]];
        }
    }

    // The fast path, for square 8-bit RGB PNGs (the crawler's centre-cropped images) no smaller than the model's input
    // and under 4x larger (where vips_resize would first box-shrink); anything else (non-square, where vips'
    // fractional crop geometry was not matched closely enough, alpha, grey, 16-bit, ICC profiles, orientation)
    // returns null and takes vips_thumbnail.
    private byte[]? TryDecodeAndResample(byte[] encoded)
    {
        if (!encoded.AsSpan().StartsWith(PngSignature))
        {
            return null;
        }

        using var image = Image.NewFromBuffer(encoded, failOn: Enums.FailOn.Truncated);
        var shorter = image.Width;
        if (image.Height != image.Width || image.Bands != 3 || image.Format != Enums.BandFormat.Uchar || image.Interpretation != Enums.Interpretation.Srgb
            || shorter < Size || shorter >= 4 * Size || image.Contains("icc-profile-data") || Rotated(image))
        {
            return null;
        }

        var decoded = image.WriteToMemory<byte>();
        var pixels = new byte[Size * Size * 3];
        _resampler.Resample(decoded, image.Width, image.Height, pixels);
        return pixels;
    }

    // vips_thumbnail turns the image upright by its EXIF orientation; libvips' own PNGs carry orientation 1 (upright).
    private static bool Rotated(Image image) => image.Contains("orientation") && image.Get("orientation") is int orientation && orientation != 1;

    private byte[] Thumbnail(byte[] encoded)
    {
        using var thumbnail = Image.ThumbnailBuffer(encoded, Size, optionString: "fail_on=truncated", height: Size, size: Enums.Size.Both, crop: Enums.Interesting.Centre);
        using var flat = thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
        using var srgb = flat.Interpretation == Enums.Interpretation.Srgb && flat.Format == Enums.BandFormat.Uchar ? flat.Copy() : flat.Colourspace(Enums.Interpretation.Srgb);
        using var bytes = srgb.Format == Enums.BandFormat.Uchar ? srgb.Copy() : srgb.Cast(Enums.BandFormat.Uchar);
        if (bytes.Width != Size || bytes.Height != Size || bytes.Bands != 3)
        {
            throw new InvalidDataException($"decoded to {bytes.Width}x{bytes.Height} with {bytes.Bands} bands, expected {Size}x{Size} RGB");
        }

        return bytes.WriteToMemory<byte>();
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
