using System.Globalization;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// How two near-hash images compare on the evidence the perceptual hash throws away (see <see cref="DuplicateVerifier"/>).
/// </summary>
/// <param name="Same">Whether every figure is within its limit.</param>
/// <param name="Colour">Largest distance between the mean colours of matching blocks of a 4×4 grid (RGB units, 0 to 441).</param>
/// <param name="Detail">Largest mean pixel difference (grey plus chroma) within a block of the structure thumbnails, each pixel against its best match within one pixel.</param>
/// <param name="Aspect">Change of the original aspect ratio, |ln(ratio a / ratio b)|; 0 when a size is unknown.</param>
public readonly record struct DuplicateVerification(bool Same, double Colour, double Detail, double Aspect)
{
    /// <summary>A pair taken on the hash alone, because an image has no fingerprint.</summary>
    public static DuplicateVerification HashOnly { get; } = new(true, double.NaN, double.NaN, double.NaN);

    /// <summary>The figures as the dropped records and the log print them.</summary>
    public override string ToString() => double.IsNaN(Colour)
        ? "hash only (no fingerprint)"
        : string.Create(CultureInfo.InvariantCulture, $"colour {Colour:F1}, detail {Detail:F1}, aspect {Aspect:F3}");
}
