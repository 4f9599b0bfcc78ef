using NetVips;

namespace Pipeline.Trainer.Data;

/// <summary>
/// CLIP's image transform with NetVips: decode with shrink-on-load, resize the shorter side to the model's size
/// and centre-crop, flatten transparency onto white, convert to 8-bit sRGB, then scale to [0, 1] and normalise
/// with CLIP's channel means and deviations into channel-first floats. Thread-safe.
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
            using var thumbnail = Image.ThumbnailBuffer(encoded, Size, optionString: "fail_on=truncated", height: Size, size: Enums.Size.Both, crop: Enums.Interesting.Centre);
            using var flat = thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
            using var srgb = flat.Interpretation == Enums.Interpretation.Srgb && flat.Format == Enums.BandFormat.Uchar ? flat.Copy() : flat.Colourspace(Enums.Interpretation.Srgb);
            using var bytes = srgb.Format == Enums.BandFormat.Uchar ? srgb.Copy() : srgb.Cast(Enums.BandFormat.Uchar);
            if (bytes.Width != Size || bytes.Height != Size || bytes.Bands != 3)
            {
                throw new InvalidDataException($"decoded to {bytes.Width}x{bytes.Height} with {bytes.Bands} bands, expected {Size}x{Size} RGB");
            }

            pixels = bytes.WriteToMemory<byte>();
        }
        catch (VipsException e)
        {
            throw new InvalidDataException($"not a decodable image: {FirstLine(e.Message)}", e);
        }

        // Interleaved HWC bytes to planar CHW floats.
        var plane = Size * Size;
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                destination[(c * plane) + i] = ((pixels[(i * 3) + c] / 255f) - Mean[c]) / Std[c];
            }
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
