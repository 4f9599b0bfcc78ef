using Pipeline.Sharding.Settings;

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

    /// <summary>Throws when a setting is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative threshold, an aspect ratio in (0, 1), or a minimum above its maximum.</exception>
    public void Validate()
    {
        SettingRange.AtLeast(Key(nameof(MinSide)), MinSide, 0);
        SettingRange.AtLeast(Key(nameof(MinCaptionChars)), MinCaptionChars, 0);
        SettingRange.AtLeast(Key(nameof(MaxCaptionChars)), MaxCaptionChars, 0);
        SettingRange.AtLeast(Key(nameof(MinCaptionWords)), MinCaptionWords, 0);
        SettingRange.AtLeast(Key(nameof(MaxCaptionWords)), MaxCaptionWords, 0);
        SettingRange.AtLeast(Key(nameof(MinImageBytes)), MinImageBytes, 0);
        SettingRange.AtLeast(Key(nameof(MaxImageBytes)), MaxImageBytes, 0);
        if (MaxAspectRatio != 0)
        {
            SettingRange.AtLeast(Key(nameof(MaxAspectRatio)), MaxAspectRatio, 1);
        }

        CheckRange(MinCaptionChars, MaxCaptionChars, nameof(MinCaptionChars), nameof(MaxCaptionChars));
        CheckRange(MinCaptionWords, MaxCaptionWords, nameof(MinCaptionWords), nameof(MaxCaptionWords));
        CheckRange(MinImageBytes, MaxImageBytes, nameof(MinImageBytes), nameof(MaxImageBytes));
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";

    private static void CheckRange(long min, long max, string minName, string maxName)
    {
        if (max > 0 && min > max)
        {
            throw SettingRange.Error($"{Key(minName)} is {min}, above {Key(maxName)} {max}");
        }
    }
}
