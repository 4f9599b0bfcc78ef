namespace Pipeline.Curation.Dedup;

/// <summary>
/// The 64-bit hash near-duplicate candidates are searched by: the signs of 64 fixed random ±1 projections
/// (SimHash) of an image's 8×8 colour thumbnail less its mean grey level. Two images differ in a share of bits that
/// grows with the angle between their thumbnails, so resized, re-encoded and slightly cropped copies stay within a
/// few bits, and images of one shape in other colours do not collide. Unlike the DCT perceptual hash, it stays
/// stable on symmetric graphics (icons, stars, cards), whose odd DCT coefficients sit at the median and flip with
/// any noise (README, Deduplication). Thread-safe.
/// </summary>
public static class NearDuplicateHash
{
    private const int Bits = 64;
    private const int Inputs = ImageFingerprint.ColourLength;

    // Bit b of Signs[i] is the sign of input i in projection b, from a fixed SplitMix64 stream: the hash of an
    // image never changes between runs, machines or versions of .NET.
    private static readonly ulong[] Signs = BuildSigns();

    /// <summary>The hash of an 8×8 sRGB thumbnail (<see cref="ImageFingerprint.ColourLength"/> bytes).</summary>
    public static ulong Of(ReadOnlySpan<byte> colour)
    {
        if (colour.Length != Inputs)
        {
            throw new ArgumentException($"expected {Inputs} colour bytes, got {colour.Length}", nameof(colour));
        }

        var mean = 0;
        foreach (var value in colour)
        {
            mean += value;
        }

        // Centred on the image's own mean: a mostly white picture does not look like every other mostly white one.
        Span<int> sums = stackalloc int[Bits];
        sums.Clear();
        for (var i = 0; i < Inputs; i++)
        {
            var value = (colour[i] * Inputs) - mean;
            var signs = Signs[i];
            for (var b = 0; b < Bits; b++)
            {
                sums[b] += ((signs >> b) & 1) == 1 ? value : -value;
            }
        }

        ulong hash = 0;
        for (var b = 0; b < Bits; b++)
        {
            if (sums[b] > 0)
            {
                hash |= 1UL << (63 - b);
            }
        }

        return hash;
    }

    private static ulong[] BuildSigns()
    {
        var signs = new ulong[Inputs];
        var state = 0x5EED_D3D0_0000_0001UL;
        for (var i = 0; i < Inputs; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            signs[i] = z ^ (z >> 31);
        }

        return signs;
    }
}
