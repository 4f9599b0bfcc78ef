using NetVips;

namespace Pipeline.Curation.Tests;

/// <summary>Copies as the web makes them: resized (1/4x to 2x), re-encoded as JPEG (quality 50 to 95) and lightly cropped (up to 2% a side).</summary>
internal static class PlantedCopies
{
    /// <summary>A seeded copy of <paramref name="original"/> and its size.</summary>
    public static (byte[] Bytes, int Width, int Height) Make(byte[] original, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        using var image = Image.NewFromBuffer(original);
        using var srgb = image.Colourspace(Enums.Interpretation.Srgb);
        using var flat = srgb.HasAlpha() ? srgb.Flatten(background: [255, 255, 255]) : srgb.Copy();
        var (left, top) = ((int)(flat.Width * rng.NextDouble() * 0.02), (int)(flat.Height * rng.NextDouble() * 0.02));
        var (right, bottom) = ((int)(flat.Width * rng.NextDouble() * 0.02), (int)(flat.Height * rng.NextDouble() * 0.02));
        using var cropped = rng.Next(2) == 0 ? flat.Copy() : flat.Crop(left, top, flat.Width - left - right, flat.Height - top - bottom);
        double[] scales = [0.25, 0.33, 0.5, 0.75, 1.5, 2];
        var scale = scales[rng.Next(scales.Length)];
        using var resized = cropped.Resize(scale);
        return (resized.JpegsaveBuffer(q: rng.Next(50, 96)), resized.Width, resized.Height);
    }
}
