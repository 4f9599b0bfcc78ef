namespace Pipeline.Curation.Dedup;

/// <summary>Why deduplication dropped a sample, as written in logs and summaries.</summary>
public static class DedupReason
{
    /// <summary>The image does not decode, so it has no perceptual hash.</summary>
    public const string Undecodable = "undecodable";

    /// <summary>Same canonical URL and normalized caption as a kept sample.</summary>
    public const string SameUrlAndCaption = "duplicate_url_caption";

    /// <summary>Same image bytes (SHA-256) and normalized caption as a kept sample.</summary>
    public const string SameImageAndCaption = "duplicate_image_caption";

    /// <summary>Perceptual hash within the distance limit of a kept sample's.</summary>
    public const string NearDuplicate = "near_duplicate";
}
