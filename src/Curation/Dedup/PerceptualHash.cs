using System.Numerics;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// The 64-bit DCT perceptual hash (pHash, as in the <c>imagehash</c> package): shrink to 32×32 grey, take the
/// 8×8 lowest frequencies of its 2-D DCT-II, and set a bit for each coefficient above their median, row by row,
/// most significant bit first. Resizing, re-encoding and small crops move few bits; different images differ in
/// about half of them. Thread-safe.
/// </summary>
public static class PerceptualHash
{
    private const int Side = 32;
    private const int Frequencies = 8;

    // cos(π (2x + 1) u / 2N): row u of the DCT-II basis, only the 8 lowest frequencies are needed.
    private static readonly double[] Basis = BuildBasis();

    /// <summary>The hash of an encoded image (JPEG, PNG, WebP, GIF, ... anything libvips reads); JPEGs shrink while decoding.</summary>
    /// <exception cref="ArgumentException">The bytes do not decode as an image (the libvips reason is in the message).</exception>
    public static ulong Compute(byte[] encoded) => ImageSignatureDecoder.Decode(encoded, 0, 0).Hash;

    /// <summary>The hash of 32×32 grey pixels given row by row.</summary>
    public static ulong FromPixels(ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != Side * Side)
        {
            throw new ArgumentException($"expected {Side * Side} grey pixels, got {pixels.Length}", nameof(pixels));
        }

        // Separable DCT: rows first (32 rows × 8 frequencies), then columns of that (8 × 8).
        Span<double> rows = stackalloc double[Side * Frequencies];
        for (var y = 0; y < Side; y++)
        {
            var line = pixels.Slice(y * Side, Side);
            for (var u = 0; u < Frequencies; u++)
            {
                var basis = Basis.AsSpan(u * Side, Side);
                double sum = 0;
                for (var x = 0; x < Side; x++)
                {
                    sum += line[x] * basis[x];
                }

                rows[(y * Frequencies) + u] = sum;
            }
        }

        Span<double> coefficients = stackalloc double[Frequencies * Frequencies];
        for (var v = 0; v < Frequencies; v++)
        {
            var basis = Basis.AsSpan(v * Side, Side);
            for (var u = 0; u < Frequencies; u++)
            {
                double sum = 0;
                for (var y = 0; y < Side; y++)
                {
                    sum += rows[(y * Frequencies) + u] * basis[y];
                }

                coefficients[(v * Frequencies) + u] = sum;
            }
        }

        Span<double> sorted = stackalloc double[coefficients.Length];
        coefficients.CopyTo(sorted);
        sorted.Sort();
        var median = (sorted[31] + sorted[32]) / 2;
        ulong hash = 0;
        for (var i = 0; i < coefficients.Length; i++)
        {
            if (coefficients[i] > median)
            {
                hash |= 1UL << (63 - i);
            }
        }

        return hash;
    }

    /// <summary>The number of bits in which two hashes differ (0 to 64).</summary>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary>The hash as 16 lower-case hex digits, as <c>imagehash</c> prints it.</summary>
    public static string ToHex(ulong hash) => hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static double[] BuildBasis()
    {
        var basis = new double[Frequencies * Side];
        for (var u = 0; u < Frequencies; u++)
        {
            for (var x = 0; x < Side; x++)
            {
                basis[(u * Side) + x] = Math.Cos(Math.PI * ((2 * x) + 1) * u / (2.0 * Side));
            }
        }

        return basis;
    }
}
