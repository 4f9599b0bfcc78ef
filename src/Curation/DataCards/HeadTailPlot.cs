using NetVips;

namespace Pipeline.Curation.DataCards;

/// <summary>
/// Renders the head/tail distribution as a PNG: entries ranked by count on a log-log chart, matches before
/// balancing in grey, pairs kept after in blue, and t as a red line. Drawn into a pixel buffer and encoded by
/// NetVips, so it needs no plotting library or fonts.
/// </summary>
public static class HeadTailPlot
{
    private const int Width = 800;
    private const int Height = 500;
    private const int Margin = 40;

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Render(ReadOnlySpan<long> before, ReadOnlySpan<long> after, int threshold)
    {
        var pixels = new byte[Width * Height * 3];
        Array.Fill(pixels, (byte)255);
        var sortedBefore = Sorted(before);
        var sortedAfter = Sorted(after);
        var maxRank = Math.Max(2, Math.Max(sortedBefore.Length, sortedAfter.Length));
        var maxCount = Math.Max(2, Math.Max(threshold, sortedBefore.Length > 0 ? sortedBefore[0] : 1));
        double X(double rank) => Margin + ((Width - (2 * Margin)) * Math.Log10(rank) / Math.Log10(maxRank));
        double Y(double count) => Height - Margin - ((Height - (2 * Margin)) * Math.Log10(Math.Max(1, count)) / Math.Log10(maxCount));

        // Axes, and a faint grid line per decade.
        for (double decade = 1; decade <= maxCount; decade *= 10)
        {
            Line(pixels, Margin, Y(decade), Width - Margin, Y(decade), (230, 230, 230));
        }

        for (double decade = 1; decade <= maxRank; decade *= 10)
        {
            Line(pixels, X(decade), Margin, X(decade), Height - Margin, (230, 230, 230));
        }

        Line(pixels, Margin, Height - Margin, Width - Margin, Height - Margin, (0, 0, 0));
        Line(pixels, Margin, Margin, Margin, Height - Margin, (0, 0, 0));
        Curve(pixels, sortedBefore, X, Y, (150, 150, 150));
        Curve(pixels, sortedAfter, X, Y, (30, 90, 220));
        Line(pixels, Margin, Y(threshold), Width - Margin, Y(threshold), (220, 40, 40));

        using var image = Image.NewFromMemory(pixels, Width, Height, 3, Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    private static long[] Sorted(ReadOnlySpan<long> counts)
    {
        var values = new List<long>();
        foreach (var c in counts)
        {
            if (c > 0)
            {
                values.Add(c);
            }
        }

        values.Sort((a, b) => b.CompareTo(a));
        return [.. values];
    }

    private static void Curve(byte[] pixels, long[] sorted, Func<double, double> x, Func<double, double> y, (byte R, byte G, byte B) colour)
    {
        for (var i = 1; i < sorted.Length; i++)
        {
            Line(pixels, x(i), y(sorted[i - 1]), x(i + 1), y(sorted[i]), colour);
        }

        if (sorted.Length == 1)
        {
            Line(pixels, x(1), y(sorted[0]), x(1) + 2, y(sorted[0]), colour);
        }
    }

    private static void Line(byte[] pixels, double x0, double y0, double x1, double y1, (byte R, byte G, byte B) colour)
    {
        var steps = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
        for (var s = 0; s <= steps; s++)
        {
            var x = (int)Math.Round(x0 + ((x1 - x0) * s / steps));
            var y = (int)Math.Round(y0 + ((y1 - y0) * s / steps));
            if (x is >= 0 and < Width && y is >= 0 and < Height)
            {
                var at = ((y * Width) + x) * 3;
                pixels[at] = colour.R;
                pixels[at + 1] = colour.G;
                pixels[at + 2] = colour.B;
            }
        }
    }
}
