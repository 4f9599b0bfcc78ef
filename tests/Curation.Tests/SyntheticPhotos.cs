using NetVips;

namespace Pipeline.Curation.Tests;

/// <summary>Distinct photo-like test images: coloured Perlin texture under a few random rectangles and discs, seeded.</summary>
internal static class SyntheticPhotos
{
    public static byte[] Jpeg(int seed, int width = 256, int height = 192, int quality = 90)
    {
        using var image = Render(seed, width, height);
        return image.JpegsaveBuffer(q: quality);
    }

    public static Image Render(int seed, int width, int height)
    {
        var rng = new Random(seed);
        var cell = rng.Next(width / 8, width / 2);
        using var r = Image.Perlin(width, height, cellSize: cell, uchar: true, seed: rng.Next());
        using var g = Image.Perlin(width, height, cellSize: cell, uchar: true, seed: rng.Next());
        using var b = Image.Perlin(width, height, cellSize: cell, uchar: true, seed: rng.Next());
        using var joined = r.Bandjoin(g, b);
        using var rgb = joined.Copy(interpretation: Enums.Interpretation.Srgb);
        return rgb.Mutate(m =>
        {
            var shapes = rng.Next(2, 7);
            for (var i = 0; i < shapes; i++)
            {
                double[] ink = [rng.Next(256), rng.Next(256), rng.Next(256)];
                if (rng.Next(2) == 0)
                {
                    m.DrawRect(ink, rng.Next(width), rng.Next(height), rng.Next(width / 8, width / 2), rng.Next(height / 8, height / 2), fill: true);
                }
                else
                {
                    m.DrawCircle(ink, rng.Next(width), rng.Next(height), rng.Next(width / 16, width / 4), fill: true);
                }
            }
        });
    }

    /// <summary>Re-encodes at <paramref name="quality"/>.</summary>
    public static byte[] Reencode(byte[] jpeg, int quality)
    {
        using var image = Image.NewFromBuffer(jpeg);
        return image.JpegsaveBuffer(q: quality);
    }

    /// <summary>Resizes to <paramref name="width"/> pixels wide.</summary>
    public static byte[] Resize(byte[] jpeg, int width)
    {
        using var image = Image.ThumbnailBuffer(jpeg, width, height: 10_000);
        return image.JpegsaveBuffer(q: 90);
    }

    /// <summary>Cuts the given fractions of the width and height off the left, top, right and bottom.</summary>
    public static byte[] Crop(byte[] jpeg, double left, double top, double right, double bottom)
    {
        using var image = Image.NewFromBuffer(jpeg);
        var x = (int)(image.Width * left);
        var y = (int)(image.Height * top);
        using var cropped = image.Crop(x, y, image.Width - x - (int)(image.Width * right), image.Height - y - (int)(image.Height * bottom));
        return cropped.JpegsaveBuffer(q: 90);
    }
}
