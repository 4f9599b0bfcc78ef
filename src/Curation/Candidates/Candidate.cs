using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Candidates;

/// <summary>One image-text pair from the candidate pool, before matching.</summary>
/// <param name="Key">Stable identity of the pair; derived from URL and caption when the pool has none.</param>
/// <param name="Url">The image URL.</param>
/// <param name="Caption">The text found with the image (alt text, caption, ...).</param>
/// <param name="PageUrl">The page the pair was found on, when known.</param>
public sealed record Candidate(string Key, string Url, string Caption, string? PageUrl)
{
    /// <summary>The key a pair gets when its source has none (<see cref="SampleKey.Derive"/>).</summary>
    public static string DeriveKey(string url, string caption) => SampleKey.Derive(url, caption);
}
