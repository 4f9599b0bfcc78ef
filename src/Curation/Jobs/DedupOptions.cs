using Pipeline.Curation.Dedup;
using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Jobs;

/// <summary>Deduplication settings (configuration section <c>Curation:Dedup</c>).</summary>
public sealed record DedupOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Dedup";

    /// <summary>
    /// Largest Hamming distance between two 64-bit near-duplicate hashes that makes the images candidates for
    /// verification. The default, 8, finds resized (1/4x to 2x), re-encoded (JPEG quality 50 and up) and slightly
    /// cropped (2% a side) copies of photos and graphics; a larger k finds more at more candidate pairs (README).
    /// </summary>
    public int MaxDistance { get; init; } = 8;

    /// <summary>Whether candidate pairs are verified on colour, structure and size (false: the hash alone decides, as before verification existed).</summary>
    public bool Verify { get; init; } = true;

    /// <summary>Largest distance between the mean colours of matching blocks of a 4×4 grid (RGB units) of a duplicate.</summary>
    public double MaxColourDistance { get; init; } = 40;

    /// <summary>Largest block detail distance (grey plus chroma levels by which a pixel lies outside the range of the other image's pixels within one pixel) of a duplicate.</summary>
    public double MaxDetailDistance { get; init; } = 40;

    /// <summary>Largest change of the original aspect ratio, |ln(ratio a / ratio b)|, of a duplicate (0.06: about 6%, two 2% crops and rounding).</summary>
    public double MaxAspectChange { get; init; } = 0.06;

    /// <summary>Most kept candidates one sample is compared with (nearest hash first), which bounds the cost per sample where many distinct images share a hash.</summary>
    public int MaxComparisons { get; init; } = 32;

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
        SettingRange.Between(Key(nameof(MaxColourDistance)), MaxColourDistance, 0, 442);
        SettingRange.Between(Key(nameof(MaxDetailDistance)), MaxDetailDistance, 0, 766);
        SettingRange.Between(Key(nameof(MaxAspectChange)), MaxAspectChange, 0, 10);
        SettingRange.Between(Key(nameof(MaxComparisons)), MaxComparisons, 1, 100_000);
    }

    /// <summary>The verifier these settings describe: with <see cref="Verify"/> off, one that takes every candidate pair.</summary>
    public DuplicateVerifier Verifier() => Verify
        ? new DuplicateVerifier(MaxColourDistance, MaxDetailDistance, MaxAspectChange)
        : new DuplicateVerifier(double.MaxValue, double.MaxValue, double.MaxValue);

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
