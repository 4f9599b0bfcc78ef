namespace Pipeline.Sharding.Samples;

/// <summary>
/// One image-text pair as stored in a shard. The first fields are img2dataset's Parquet columns, so tools built
/// for img2dataset output read our shards; the rest is lineage: why the pair is in the data set.
/// </summary>
public sealed record Sample
{
    /// <summary>Stable sample id, derived from content (canonical URL and caption) so rewrites are idempotent.</summary>
    public required string Key { get; init; }

    /// <summary>The image URL it was fetched from.</summary>
    public required string Url { get; init; }

    public required string Caption { get; init; }

    /// <summary>Width of the stored (resized) image in pixels.</summary>
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Width of the image as downloaded, before resizing.</summary>
    public required int OriginalWidth { get; init; }

    public required int OriginalHeight { get; init; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Image"/>.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The encoded image bytes (JPEG or WebP, as the shard's image column says).</summary>
    public required byte[] Image { get; init; }

    /// <summary>Ids of every query entry whose text matched the caption.</summary>
    public IReadOnlyList<int> MatchedEntryIds { get; init; } = [];

    /// <summary>The entry the balancer kept this pair for, if it was balanced.</summary>
    public int? KeptForEntry { get; init; }

    /// <summary>The probability with which the balancer kept it.</summary>
    public double? KeepProbability { get; init; }

    /// <summary>64-bit perceptual hash of the image (DCT hash), used for near-duplicate search.</summary>
    public ulong? PerceptualHash { get; init; }

    /// <summary>The page the image and its text were found on.</summary>
    public string? PageUrl { get; init; }

    /// <summary>When the image was fetched (stored in UTC with microsecond precision).</summary>
    public DateTimeOffset? FetchTime { get; init; }

    /// <summary>True when the balancer held the pair in reserve and it was used to refill its entry; false for a kept pair; null when not balanced.</summary>
    public bool? Reserve { get; init; }

    /// <summary>
    /// The consent record of the fetch: the decision and the signals seen, compact and <c>;</c>-separated
    /// (<c>decision=allow;robots.txt=allow;x-robots-tag=noindex;tdm-reservation=0;tdmrep=none</c>); null when not fetched by us or written before the column existed.
    /// </summary>
    public string? Consent { get; init; }

    /// <summary>The User-Agent the image was fetched with; null when unknown.</summary>
    public string? UserAgent { get; init; }
}
