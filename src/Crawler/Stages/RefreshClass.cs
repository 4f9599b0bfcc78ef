namespace Pipeline.Crawler.Stages;

/// <summary>What a refresh found at a committed sample's URL.</summary>
public enum RefreshClass
{
    /// <summary>The URL still serves the same image (equal SHA-256, or a perceptual hash within the threshold).</summary>
    Alive,

    /// <summary>The URL serves a different image, or something that is no longer an acceptable image.</summary>
    Changed,

    /// <summary>The image is gone for good: 404/410 or another final 4xx, DNS failure, an opt-out or robots.txt now refuses it.</summary>
    Dead,

    /// <summary>A retryable failure (timeout, connection, 5xx, 408/429, open circuit): neither alive nor dead, never dropped.</summary>
    Unreachable,
}
