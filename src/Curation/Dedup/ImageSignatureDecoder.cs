using NetVips;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// Decodes an image once (JPEGs shrink while decoding) into both things deduplication keeps of it: the
/// perceptual hash of its 32×32 grey thumbnail and its <see cref="ImageFingerprint"/> (that grey thumbnail, an 8×8
/// colour one and a 16×16 chroma one).
/// Thread-safe.
/// </summary>
public static class ImageSignatureDecoder
{
    private const int HashSide = 32;

    /// <summary>The perceptual hash and fingerprint of an encoded image whose original size is <paramref name="width"/> × <paramref name="height"/>.</summary>
    /// <exception cref="ArgumentException">The bytes do not decode as an image (the libvips reason is in the message).</exception>
    public static (ulong Hash, ImageFingerprint Fingerprint) Decode(byte[] encoded, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        try
        {
            using var thumbnail = Image.ThumbnailBuffer(encoded, HashSide, optionString: "fail_on=truncated", height: HashSide, size: Enums.Size.Force);
            // 8-bit sRGB first, so that white is 255 whatever the source's depth (16-bit PNGs) or space (CMYK, grey);
            // decoded once into memory: the pipeline reads its source sequentially, and both thumbnails come from it.
            using var srgb = thumbnail.Colourspace(Enums.Interpretation.Srgb);
            using var flat = srgb.HasAlpha() ? srgb.Flatten(background: [255, 255, 255]).CopyMemory() : srgb.CopyMemory();
            var grey = GreyPixels(flat);
            var rgb = RgbPixels(flat);
            return (PerceptualHash.FromPixels(grey), new ImageFingerprint(width, height, Average(rgb, HashSide, 3, ImageFingerprint.ColourSide), grey, ChromaThumbnail(rgb, grey)));
        }
        catch (VipsException ex)
        {
            throw new ArgumentException($"image of {encoded.Length} bytes does not decode: {ex.Message.Split('\n')[0].Trim()}", nameof(encoded), ex);
        }
    }

    /// <summary>The 32×32 grey pixels the perceptual hash is taken of.</summary>
    internal static byte[] GreyPixels(Image flat)
    {
        using var grey = flat.Colourspace(Enums.Interpretation.Bw);
        using var band = grey.Bands > 1 ? grey.ExtractBand(0) : grey.Copy();
        using var bytes = band.Format == Enums.BandFormat.Uchar ? band.Copy() : band.Cast(Enums.BandFormat.Uchar);
        return bytes.WriteToMemory<byte>();
    }

    /// <summary>The 32×32 thumbnail as three bytes (R, G, B) a pixel.</summary>
    private static byte[] RgbPixels(Image flat)
    {
        using var three = flat.Bands == 3 ? flat.Copy() : flat.Bands > 3 ? flat.ExtractBand(0, n: 3) : flat.Bandjoin(flat, flat);
        using var bytes = three.Format == Enums.BandFormat.Uchar ? three.Copy() : three.Cast(Enums.BandFormat.Uchar);
        return bytes.WriteToMemory<byte>();
    }

    /// <summary>Blue less grey and red less grey, offset by 128 and halved into 0 to 255, averaged to 16×16.</summary>
    private static byte[] ChromaThumbnail(byte[] rgb, byte[] grey)
    {
        var chroma = new byte[HashSide * HashSide * 2];
        for (var i = 0; i < grey.Length; i++)
        {
            chroma[2 * i] = (byte)(128 + ((rgb[(3 * i) + 2] - grey[i]) / 2));
            chroma[(2 * i) + 1] = (byte)(128 + ((rgb[3 * i] - grey[i]) / 2));
        }

        return Average(chroma, HashSide, 2, ImageFingerprint.ChromaSide);
    }

    /// <summary>Shrinks a square image of <paramref name="side"/> pixels and <paramref name="channels"/> bytes a pixel to <paramref name="target"/> pixels by block means.</summary>
    internal static byte[] Average(byte[] pixels, int side, int channels, int target)
    {
        var block = side / target;
        var sums = new int[target * target * channels];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    sums[((((y / block) * target) + (x / block)) * channels) + c] += pixels[(((y * side) + x) * channels) + c];
                }
            }
        }

        var result = new byte[sums.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (byte)((sums[i] + (block * block / 2)) / (block * block));
        }

        return result;
    }
}
