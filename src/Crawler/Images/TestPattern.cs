using NetVips;

namespace Pipeline.Crawler.Images;

/// <summary>Deterministic synthetic images (colour gradients) for self-checks and tests; no image files needed.</summary>
public static class TestPattern
{
    /// <summary>An RGB gradient of the given size encoded as JPEG: red grows left to right, green top to bottom.</summary>
    public static byte[] GradientJpeg(int width, int height, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        using var xy = Image.Xyz(width, height);
        using var x = xy[0];
        using var y = xy[1];
        using var red = x * (255.0 / (width - 1));
        using var green = y * (255.0 / (height - 1));
        using var blue = (red + green) / 2.0;
        using var rgb = red.Bandjoin(green, blue);
        using var bytes = rgb.Cast(Enums.BandFormat.Uchar);
        using var srgb = bytes.Copy(interpretation: Enums.Interpretation.Srgb);
        return srgb.JpegsaveBuffer(q: quality);
    }
}
