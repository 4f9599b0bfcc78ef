using Pipeline.Sharding.Settings;

namespace Pipeline.Crawler.Stages;

/// <summary>Settings of <c>crawl refresh</c>, bound from <see cref="Section"/>.</summary>
public sealed record RefreshOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Crawler:Refresh";

    /// <summary>Largest Hamming distance between perceptual hashes at which an image counts as the same.</summary>
    public int MaxDistance { get; init; } = 8;

    /// <summary>Samples checked at once.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>The full configuration key of option <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        SettingRange.Between(Key(nameof(MaxDistance)), MaxDistance, 0, 64);
        SettingRange.AtLeast(Key(nameof(Concurrency)), Concurrency, 1);
    }
}
