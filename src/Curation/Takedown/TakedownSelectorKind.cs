namespace Pipeline.Curation.Takedown;

/// <summary>What a takedown selector compares.</summary>
public enum TakedownSelectorKind
{
    /// <summary>The image URL or the page URL, canonicalized alike.</summary>
    Url,

    /// <summary>The host of the image URL or the page URL: the domain itself or any subdomain.</summary>
    Domain,

    /// <summary>The sample key.</summary>
    Key,

    /// <summary>The 64-bit perceptual hash, within a Hamming distance.</summary>
    Phash,
}
