using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Thresholds and limits of query building (section <c>Curation:Queries</c>). The defaults are MetaCLIP's: words
/// seen at least 100 times, bigrams with PMI of at least 30, titles with at least 70 views summed over the given
/// hourly files where an hour counts only with at least 50 views, every WordNet synset head name, and 0 to 99.
/// </summary>
public sealed record QueryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Curation:Queries";

    /// <summary>Fewest occurrences of a word for it to be an entry.</summary>
    public long MinUnigramCount { get; set; } = 100;

    /// <summary>
    /// Smallest association of a bigram <c>a b</c> for it to be an entry, as the ratio
    /// <c>p(a b) / (p(a) p(b))</c> = <c>c(a b) N² / (P c(a) c(b))</c>, with N the words and P the adjacent word pairs
    /// counted. This is pointwise mutual information before the logarithm (30 is log2 30 = 4.9 bits): read as
    /// log2, a threshold of 30 would need a corpus of over 2^30 c(a) c(b) / c(a b) words and admit nothing.
    /// </summary>
    public double MinBigramPmi { get; set; } = 30;

    /// <summary>Fewest occurrences of a bigram for it to be considered, so that rare pairs of rare words (whose PMI is high by chance) are not entries.</summary>
    public long MinBigramCount { get; set; } = 100;

    /// <summary>Fewest views of a title summed over the hourly pageview files, counting only hours that reach <see cref="MinHourlyViews"/>.</summary>
    public long MinTitleViews { get; set; } = 70;

    /// <summary>Fewest views of a title in one hourly file for that hour to count.</summary>
    public long MinHourlyViews { get; set; } = 50;

    /// <summary>Pageview domain codes whose views count, summed per hour, separated by commas: English Wikipedia's desktop and mobile sites.</summary>
    public string PageviewDomains { get; set; } = "en,en.m";

    /// <summary>The domain codes of <see cref="PageviewDomains"/>.</summary>
    internal string[] Domains => PageviewDomains.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The numbers 0 to this are entries; -1 for none.</summary>
    public int MaxNumber { get; set; } = 99;

    /// <summary>Compressed bytes of a multistream dump per partition (work item).</summary>
    public long PartitionBytes { get; set; } = 64L << 20;

    /// <summary>Hash partitions of the counts: each is merged by one work item.</summary>
    public int Buckets { get; set; } = 16;

    /// <summary>
    /// Distinct words plus distinct bigrams a counting worker holds before it spills sorted runs to disk; its bigram
    /// buffer has this many slots of 32 bytes (256 MB at the default), and it also spills when half of them hold
    /// distinct bigrams.
    /// </summary>
    public int MaxEntriesInMemory { get; set; } = 8_000_000;

    /// <summary>Build the entries from the partitions that could be read when others fail, instead of writing nothing.</summary>
    public bool SkipFailedPartitions { get; set; }

    /// <summary>Checks that the options make sense together.</summary>
    /// <exception cref="ArgumentOutOfRangeException">One does not; the message names it.</exception>
    public void Validate()
    {
        SettingRange.AtLeast(Key(nameof(MinUnigramCount)), MinUnigramCount, 1);
        SettingRange.AtLeast(Key(nameof(MinBigramPmi)), MinBigramPmi, 0);
        SettingRange.AtLeast(Key(nameof(MinBigramCount)), MinBigramCount, 1);
        SettingRange.AtLeast(Key(nameof(MinTitleViews)), MinTitleViews, 1);
        SettingRange.AtLeast(Key(nameof(MinHourlyViews)), MinHourlyViews, 1);
        SettingRange.AtLeast(Key(nameof(MaxNumber)), MaxNumber, -1);
        SettingRange.AtLeast(Key(nameof(PartitionBytes)), PartitionBytes, 1);
        SettingRange.Between(Key(nameof(Buckets)), Buckets, 1, 4096);
        SettingRange.AtLeast(Key(nameof(MaxEntriesInMemory)), MaxEntriesInMemory, 1000);
        if (Domains.Length == 0)
        {
            throw SettingRange.Error($"{Key(nameof(PageviewDomains))} must name at least one pageview domain code");
        }
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
