namespace Pipeline.Curation.Filtering;

/// <summary>
/// Filter thresholds (configuration section <c>Curation:Filters</c>). Sizes are the image's original size as
/// downloaded, before the crawler resized it; caption lengths are counted on the normalized caption. A zero
/// maximum turns that check off.
/// </summary>
public sealed record SampleFilterOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Filters";

    /// <summary>Smallest accepted shorter side in pixels (LAION and DataComp use 200 or less; 0 turns it off).</summary>
    public int MinSide { get; init; } = 64;

    /// <summary>Largest accepted ratio of longer to shorter side (DataComp's 3; 0 turns it off).</summary>
    public double MaxAspectRatio { get; init; } = 3;

    /// <summary>Fewest caption characters (in UTF-16 units) after normalization.</summary>
    public int MinCaptionChars { get; init; } = 5;

    /// <summary>Most caption characters; 0 turns it off.</summary>
    public int MaxCaptionChars { get; init; } = 1000;

    /// <summary>Fewest caption words.</summary>
    public int MinCaptionWords { get; init; } = 1;

    /// <summary>Most caption words; 0 turns it off.</summary>
    public int MaxCaptionWords { get; init; } = 200;

    /// <summary>Fewest bytes of the stored image.</summary>
    public long MinImageBytes { get; init; } = 500;

    /// <summary>Most bytes of the stored image; 0 turns it off.</summary>
    public long MaxImageBytes { get; init; } = 10L << 20;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative threshold, an aspect ratio in (0, 1), or a minimum above its maximum.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MinSide);
        ArgumentOutOfRangeException.ThrowIfNegative(MinCaptionChars);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCaptionChars);
        ArgumentOutOfRangeException.ThrowIfNegative(MinCaptionWords);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCaptionWords);
        ArgumentOutOfRangeException.ThrowIfNegative(MinImageBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxImageBytes);
        if (MaxAspectRatio is > 0 and < 1 || MaxAspectRatio < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAspectRatio), MaxAspectRatio, "must be 0 (off) or at least 1");
        }

        CheckRange(MinCaptionChars, MaxCaptionChars, nameof(MinCaptionChars));
        CheckRange(MinCaptionWords, MaxCaptionWords, nameof(MinCaptionWords));
        CheckRange(MinImageBytes, MaxImageBytes, nameof(MinImageBytes));
    }

    private static void CheckRange(long min, long max, string name)
    {
        if (max > 0 && min > max)
        {
            throw new ArgumentOutOfRangeException(name, min, $"is above its maximum {max}");
        }
    }
}
