using System.Globalization;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// How two near-hash images compare on the evidence the perceptual hash throws away (see <see cref="DuplicateVerifier"/>).
/// </summary>
/// <param name="Same">Whether every figure is within its limit.</param>
/// <param name="Colour">Largest distance between the mean colours of matching blocks of a 4×4 grid (RGB units, 0 to 441).</param>
/// <param name="Detail">Largest mean, over a 2×2 block of the structure thumbnails, of how far a pixel (grey plus chroma) lies outside the range of the other image's pixels within one pixel.</param>
/// <param name="Aspect">Change of the original aspect ratio, |ln(ratio a / ratio b)|; 0 when a size is unknown.</param>
/// <param name="Score">The largest figure as a share of its limit: at most 1 for the same picture, smaller for a closer match.</param>
public readonly record struct DuplicateVerification(bool Same, double Colour, double Detail, double Aspect, double Score)
{
    /// <summary>A pair taken on the hash alone, because an image has no fingerprint.</summary>
    public static DuplicateVerification HashOnly { get; } = new(true, double.NaN, double.NaN, double.NaN, 0);

    /// <summary>The figures as the dropped records and the log print them.</summary>
    public override string ToString() => double.IsNaN(Colour)
        ? "hash only (no fingerprint)"
        : string.Create(CultureInfo.InvariantCulture, $"colour {Colour:F1}, detail {Detail:F1}, aspect {Aspect:F3}");
}
