using System.IO.Hashing;
using System.Text;

namespace Pipeline.Curation.Candidates;

/// <summary>One image-text pair from the candidate pool, before matching.</summary>
/// <param name="Key">Stable identity of the pair; derived from URL and caption when the pool has none.</param>
/// <param name="Url">The image URL.</param>
/// <param name="Caption">The text found with the image (alt text, caption, ...).</param>
/// <param name="PageUrl">The page the pair was found on, when known.</param>
public sealed record Candidate(string Key, string Url, string Caption, string? PageUrl)
{
    /// <summary>The key a pair gets when its source has none: 16 hex digits of XXH64 over UTF-8 <c>url \n caption</c>, so it does not depend on where or in which order the pair is read.</summary>
    public static string DeriveKey(string url, string caption)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(caption);
        var bytes = Encoding.UTF8.GetBytes(url + "\n" + caption);
        return XxHash64.HashToUInt64(bytes).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
