using System.Text;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Filtering;

/// <summary>
/// The one caption form that every comparison and length check sees: HTML entities decoded (pages that encode
/// twice leave <c>&amp;amp;</c> behind), control characters dropped, runs of white space made one space and
/// trimmed, then Unicode NFC so that "é" typed two ways is one caption.
/// </summary>
public static class CaptionNormalizer
{
    /// <summary>The normalized caption; empty when nothing is left.</summary>
    public static string Normalize(string? caption)
    {
        if (string.IsNullOrEmpty(caption))
        {
            return string.Empty;
        }

        var cleaned = CaptionText.Clean(caption, caption.Length);
        return cleaned.IsNormalized(NormalizationForm.FormC) ? cleaned : cleaned.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Words in a normalized caption: runs of characters between spaces.</summary>
    public static int CountWords(string normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        return normalized.Length == 0 ? 0 : normalized.AsSpan().Count(' ') + 1;
    }
}
