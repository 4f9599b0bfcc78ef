using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Jobs;

/// <summary>Deduplication settings (configuration section <c>Curation:Dedup</c>).</summary>
public sealed record DedupOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Dedup";

    /// <summary>
    /// Largest Hamming distance between two 64-bit perceptual hashes that still counts as the same image. The
    /// default, 8, finds resized, re-encoded (JPEG quality 50 and up) and slightly cropped (2% off any or every
    /// side) copies; 10 to 12 also finds 3 to 5% crops at a higher false-positive rate (README).
    /// </summary>
    public int MaxDistance { get; init; } = 8;

    /// <summary>Whether near-duplicate images are collapsed (false: only the exact steps run).</summary>
    public bool NearDuplicates { get; init; } = true;

    /// <summary>
    /// Most distinct hashes one near-pair search work item indexes (about 12 bytes each): the search is cut into a
    /// slice of each chunk table per item, as many slices as this asks, and every distinct hash queries every item.
    /// 1,000,000 by default (about 12 MB plus a table per item); cutting finer adds reads of the hash list, not probes.
    /// </summary>
    public long IndexRows { get; init; } = 1_000_000;

    /// <summary>
    /// The dedup coordinator decides up to this many samples in memory (about 100 bytes each); a larger store is
    /// cut by hash into partitions of about this many, spilled to the temporary folder (TMPDIR) and decided one
    /// partition at a time, with the same result. 250,000 by default (about 50 MB).
    /// </summary>
    public long PartitionRows { get; init; } = 250_000;

    /// <summary>Throws when a setting is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        SettingRange.Between(Key(nameof(MaxDistance)), MaxDistance, 0, 32);
        SettingRange.AtLeast(Key(nameof(IndexRows)), IndexRows, 1);
        SettingRange.AtLeast(Key(nameof(PartitionRows)), PartitionRows, 1);
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
