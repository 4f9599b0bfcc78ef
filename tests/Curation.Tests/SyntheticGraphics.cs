using NetVips;

namespace Pipeline.Curation.Tests;

/// <summary>
/// Flat graphics in families whose members a grey perceptual hash cannot tell apart: one shape in different
/// colours, different digits and letters on the same background, a small symbol inside the same badge, stripes in
/// different colours, and brighter or dimmer twins. Seeded; PNG.
/// </summary>
internal static class SyntheticGraphics
{
    private static readonly double[][] Palette =
    [
        [220, 40, 40], [40, 160, 60], [40, 80, 200], [240, 200, 40], [150, 60, 180], [250, 140, 30],
        [30, 170, 190], [230, 90, 160], [120, 120, 120], [20, 20, 20], [250, 250, 250], [140, 90, 40],
    ];

    // A 5×7 bitmap font: digits and capitals, a row per string, '#' inked.
    private static readonly Dictionary<char, string[]> Font = new()
    {
        ['0'] = [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "], ['1'] = ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        ['2'] = [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"], ['3'] = [" ### ", "#   #", "    #", "  ## ", "    #", "#   #", " ### "],
        ['4'] = ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "], ['5'] = ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        ['6'] = [" ### ", "#    ", "#    ", "#### ", "#   #", "#   #", " ### "], ['7'] = ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        ['8'] = [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "], ['9'] = [" ### ", "#   #", "#   #", " ####", "    #", "    #", " ### "],
        ['A'] = [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"], ['B'] = ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
        ['C'] = [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "], ['D'] = ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
        ['E'] = ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"], ['F'] = ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
        ['H'] = ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"], ['K'] = ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
        ['L'] = ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"], ['P'] = ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
        ['R'] = ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"], ['X'] = ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
    };

    private static readonly char[] Glyphs = [.. Font.Keys];

    /// <summary>The kinds of family, each a way the grey hash collides.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["shape colours", "glyphs", "badge symbols", "stripe colours", "brightness twins"];

    /// <summary>
    /// Family <paramref name="family"/> (0 to 71) of kind <paramref name="kind"/>: same layout, members differing in colour or
    /// symbol. Families of a kind differ in background and shape (or ink, or stripe count), so no two images of the set
    /// are the same picture.
    /// </summary>
    public static List<byte[]> Family(string kind, int family, int members)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(family, 71);
        var rng = new Random((family * 31) + kind.Length);
        var width = rng.Next(64, 257);
        var height = rng.Next(2) == 0 ? width : rng.Next(64, 257);
        var background = family % Palette.Length;
        var shape = family / Palette.Length;
        var colours = Enumerable.Range(0, Palette.Length).Where(c => c != background).OrderBy(_ => rng.Next()).ToArray();
        var ink = (background + 1 + (family / Palette.Length)) % Palette.Length;
        var glyphs = Glyphs.OrderBy(_ => rng.Next()).ToArray();
        var stripes = 3 + (family / Palette.Length);
        var vertical = rng.Next(2) == 0;
        var list = new List<byte[]>();
        for (var m = 0; m < members; m++)
        {
            list.Add(kind switch
            {
                "shape colours" => Draw(width, height, Palette[background], d => Shape(d, width, height, shape, Palette[colours[m % colours.Length]])),
                "glyphs" => Draw(width, height, Palette[background], d => Glyph(d, width, height, glyphs[m % glyphs.Length], 0.6, Palette[ink])),
                "badge symbols" => Draw(width, height, Palette[background], d =>
                {
                    Shape(d, width, height, shape, Palette[ink]);
                    Glyph(d, width, height, glyphs[m % glyphs.Length], 0.22, Palette[(ink + 3) % Palette.Length == background ? (ink + 4) % Palette.Length : (ink + 3) % Palette.Length]);
                }),
                "stripe colours" => Draw(width, height, Palette[background], d => Stripes(d, width, height, stripes, vertical, Palette[colours[m % colours.Length]])),
                "brightness twins" => Draw(width, height, Scale(Palette[background], 0.45 + (0.2 * m)), d => Shape(d, width, height, shape, Scale(Palette[ink], 0.45 + (0.2 * m)))),
                _ => throw new ArgumentException(kind, nameof(kind)),
            });
        }

        return list;
    }

    private static double[] Scale(double[] colour, double factor) => [.. colour.Select(c => Math.Clamp(c * factor, 0, 255))];

    private static byte[] Draw(int width, int height, double[] background, Action<MutableImage> paint)
    {
        using var black = Image.Black(width, height, bands: 3);
        using var filled = (black + background).Cast(Enums.BandFormat.Uchar);
        using var srgb = filled.Copy(interpretation: Enums.Interpretation.Srgb);
        using var drawn = srgb.Mutate(paint);
        return drawn.PngsaveBuffer();
    }

    private static void Shape(MutableImage d, int width, int height, int shape, double[] ink)
    {
        var (cx, cy, r) = (width / 2, height / 2, Math.Min(width, height) * 2 / 5);
        switch (shape)
        {
            case 0:
                d.DrawCircle(ink, cx, cy, r, fill: true);
                break;
            case 1:
                d.DrawRect(ink, cx - r, cy - r, 2 * r, 2 * r, fill: true);
                break;
            case 2:
                d.DrawRect(ink, width / 10, cy - (r / 2), width * 8 / 10, r, fill: true);
                break;
            case 3:
                // A ring: a disc of the same ink would look like shape 0.
                for (var t = 0; t < Math.Max(2, r / 4); t++)
                {
                    d.DrawCircle(ink, cx, cy, r - t, fill: false);
                }

                break;
            case 4:
                d.DrawRect(ink, cx - (r / 4), cy - r, r / 2, 2 * r, fill: true);
                d.DrawRect(ink, cx - r, cy - (r / 4), 2 * r, r / 2, fill: true);
                break;
            default:
                for (var t = 0; t < Math.Max(2, r / 6); t++)
                {
                    d.DrawRect(ink, cx - r + t, cy - r + t, 2 * (r - t), 2 * (r - t), fill: false);
                }

                break;
        }
    }

    private static void Glyph(MutableImage d, int width, int height, char glyph, double size, double[] ink)
    {
        var cell = Math.Max(1, (int)(Math.Min(width, height) * size / 7));
        var (left, top) = ((width - (5 * cell)) / 2, (height - (7 * cell)) / 2);
        var rows = Font[glyph];
        for (var y = 0; y < 7; y++)
        {
            for (var x = 0; x < 5; x++)
            {
                if (rows[y][x] == '#')
                {
                    d.DrawRect(ink, left + (x * cell), top + (y * cell), cell, cell, fill: true);
                }
            }
        }
    }

    private static void Stripes(MutableImage d, int width, int height, int count, bool vertical, double[] ink)
    {
        for (var s = 0; s < count; s += 2)
        {
            if (vertical)
            {
                d.DrawRect(ink, s * width / count, 0, width / count, height, fill: true);
            }
            else
            {
                d.DrawRect(ink, 0, s * height / count, width, height / count, fill: true);
            }
        }
    }
}
