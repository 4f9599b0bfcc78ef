namespace Pipeline.Curation.Dedup;

/// <summary>
/// Decides whether two images whose near-duplicate hashes are close are the same picture, on evidence the hash
/// throws away: colour (the mean colours of a 4×4 grid of blocks, so a shape in another colour, stripes in other
/// colours or a brighter twin differ), finer structure (the grey and chroma thumbnails pixel by pixel: how far each
/// pixel lies outside the range of the other image's pixels within one pixel, channel by channel, so that the
/// sub-pixel shifts and blends of resizing and crops of a few percent do not count while another digit or a small
/// symbol does; the worst 2×2 block counts, so a difference of a few pixels is not averaged away) and the original
/// aspect ratio. Structure is compared at the resolution the smaller image can hold: 32×32 when its short side is at
/// least 64 pixels, 16×16 from 24 pixels, else 8×8. Thread-safe.
/// </summary>
/// <param name="maxColour">Largest block colour distance of a duplicate (RGB units).</param>
/// <param name="maxDetail">Largest block detail distance of a duplicate (grey levels).</param>
/// <param name="maxAspect">Largest |ln| of the quotient of the aspect ratios of a duplicate.</param>
public sealed class DuplicateVerifier(double maxColour, double maxDetail, double maxAspect)
{
    private const int ColourBlocks = 4;

    /// <summary>Compares two fingerprints; a missing one makes the pair a duplicate on the hash alone.</summary>
    public DuplicateVerification Verify(ImageFingerprint? a, ImageFingerprint? b)
    {
        if (a is null || b is null)
        {
            return DuplicateVerification.HashOnly;
        }

        var aspect = a.Width > 0 && a.Height > 0 && b.Width > 0 && b.Height > 0
            ? Math.Abs(Math.Log((double)a.Width * b.Height / ((double)a.Height * b.Width)))
            : 0;
        var colour = ColourDistance(a.Colour, b.Colour);
        var side = Math.Min(ShortSide(a), ShortSide(b)) switch
        {
            <= 0 or >= 64 => ImageFingerprint.GreySide,
            >= 24 => 16,
            _ => 8,
        };
        var (greyA, chromaA) = AtSide(a, side);
        var (greyB, chromaB) = AtSide(b, side);
        var detail = Math.Max(DetailDistance(greyA, chromaA, greyB, chromaB, side), DetailDistance(greyB, chromaB, greyA, chromaA, side));
        var score = Math.Max(Share(colour, maxColour), Math.Max(Share(detail, maxDetail), Share(aspect, maxAspect)));
        return new DuplicateVerification(colour <= maxColour && detail <= maxDetail && aspect <= maxAspect, colour, detail, aspect, score);
    }

    /// <summary>The largest distance between the mean colours of two matching blocks of the colour thumbnails.</summary>
    internal static double ColourDistance(byte[] a, byte[] b)
    {
        const int side = ImageFingerprint.ColourSide;
        const int block = side / ColourBlocks;
        double worst = 0;
        for (var by = 0; by < ColourBlocks; by++)
        {
            for (var bx = 0; bx < ColourBlocks; bx++)
            {
                double dr = 0, dg = 0, db = 0;
                for (var y = by * block; y < (by + 1) * block; y++)
                {
                    for (var x = bx * block; x < (bx + 1) * block; x++)
                    {
                        var i = ((y * side) + x) * 3;
                        dr += a[i] - b[i];
                        dg += a[i + 1] - b[i + 1];
                        db += a[i + 2] - b[i + 2];
                    }
                }

                worst = Math.Max(worst, Math.Sqrt((dr * dr) + (dg * dg) + (db * db)) / (block * block));
            }
        }

        return worst;
    }

    /// <summary>How far <paramref name="value"/> lies outside the range [<paramref name="low"/>, <paramref name="high"/>].</summary>
    private static int Outside(int value, int low, int high) => value < low ? low - value : value > high ? value - high : 0;

    private static double Share(double figure, double limit) => limit >= double.MaxValue ? 0 : limit <= 0 ? (figure <= 0 ? 0 : double.PositiveInfinity) : figure / limit;

    private static int ShortSide(ImageFingerprint f) => f.Width > 0 && f.Height > 0 ? Math.Min(f.Width, f.Height) : 0;

    /// <summary>The grey and chroma thumbnails of <paramref name="f"/> at <paramref name="side"/> and half of it.</summary>
    private static (byte[] Grey, byte[] Chroma) AtSide(ImageFingerprint f, int side) => side == ImageFingerprint.GreySide
        ? (f.Grey, f.Chroma)
        : (ImageSignatureDecoder.Average(f.Grey, ImageFingerprint.GreySide, 1, side), ImageSignatureDecoder.Average(f.Chroma, ImageFingerprint.ChromaSide, 2, side / 2));

    /// <summary>
    /// The largest mean, over a 2×2 block of <paramref name="greyA"/>, of how far each pixel lies outside the range of
    /// image b's pixels within one pixel (grey plus both chroma channels, each against its own range), so that a value
    /// between two neighbours, as resampling makes, costs nothing.
    /// </summary>
    internal static double DetailDistance(byte[] greyA, byte[] chromaA, byte[] greyB, byte[] chromaB, int side)
    {
        const int block = 2;
        var blocks = side / block;
        var half = side / 2;
        Span<int> sums = stackalloc int[blocks * blocks];
        sums.Clear();
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var grey = greyA[(y * side) + x];
                var c = (((y / 2) * half) + (x / 2)) * 2;
                var (blue, red) = (chromaA[c], chromaA[c + 1]);
                int greyLow = 255, greyHigh = 0, blueLow = 255, blueHigh = 0, redLow = 255, redHigh = 0;
                for (var v = Math.Max(0, y - 1); v <= Math.Min(side - 1, y + 1); v++)
                {
                    for (var u = Math.Max(0, x - 1); u <= Math.Min(side - 1, x + 1); u++)
                    {
                        var d = (((v / 2) * half) + (u / 2)) * 2;
                        int g = greyB[(v * side) + u], b = chromaB[d], r = chromaB[d + 1];
                        (greyLow, greyHigh) = (Math.Min(greyLow, g), Math.Max(greyHigh, g));
                        (blueLow, blueHigh) = (Math.Min(blueLow, b), Math.Max(blueHigh, b));
                        (redLow, redHigh) = (Math.Min(redLow, r), Math.Max(redHigh, r));
                    }
                }

                var best = Outside(grey, greyLow, greyHigh) + Outside(blue, blueLow, blueHigh) + Outside(red, redLow, redHigh);
                sums[((y / block) * blocks) + (x / block)] += best;
            }
        }

        var worst = 0;
        foreach (var sum in sums)
        {
            worst = Math.Max(worst, sum);
        }

        return (double)worst / (block * block);
    }
}
