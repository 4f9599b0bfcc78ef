using Pipeline.Sharding.Settings;

namespace Pipeline.Crawler.Sources;

/// <summary>Bounds of a live crawl from seed pages (section <c>Crawler:Live</c>).</summary>
public sealed record LiveCrawlOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Live";

    /// <summary>Most pages fetched in all.</summary>
    public int MaxPages { get; set; } = 1000;

    /// <summary>Most links followed from a seed (0 = the seeds only).</summary>
    public int MaxDepth { get; set; } = 2;

    /// <summary>Follow links only to the hosts of the seeds.</summary>
    public bool SameHostOnly { get; set; } = true;

    /// <summary>Pages fetched at once.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Checks that the values are usable; the message names the one setting that is not.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        SettingRange.AtLeast(Key(nameof(MaxPages)), MaxPages, 1);
        SettingRange.AtLeast(Key(nameof(MaxDepth)), MaxDepth, 0);
        SettingRange.AtLeast(Key(nameof(Concurrency)), Concurrency, 1);
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
