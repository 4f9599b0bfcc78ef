using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Writing;

/// <summary>How shards are cut and laid out; bound from the configuration section <c>Sharding:Writer</c>.</summary>
public sealed record ShardWriterOptions
{
    public const string Section = "Sharding:Writer";

    /// <summary>Shard names are <c>{NamePrefix}-{index:D5}</c>; give each writer (partition) its own prefix.</summary>
    public string NamePrefix { get; set; } = "part";

    /// <summary>The first shard index this writer uses.</summary>
    public int FirstIndex { get; set; }

    /// <summary>A shard is closed when it reaches this many samples (img2dataset's default is 10,000).</summary>
    public int TargetSamples { get; set; } = 10_000;

    /// <summary>...or this many bytes of sample data, whichever comes first.</summary>
    public long TargetBytes { get; set; } = 1L << 30;

    /// <summary>A row group is flushed at this many samples; a reader's unit of fetching and shuffling.</summary>
    public int RowGroupSamples { get; set; } = 1_000;

    /// <summary>...or this many bytes, so that a reader holds a bounded amount per row group.</summary>
    public long RowGroupBytes { get; set; } = 64L << 20;

    /// <summary>The image encoding every sample has; names the image column.</summary>
    public ImageEncoding Encoding { get; set; } = ImageEncoding.Jpg;

    /// <summary>The shard file format: Parquet (the default) or webdataset tars.</summary>
    public ShardFormat Format { get; set; } = ShardFormat.Parquet;

    /// <summary>The name of this writer's shard number <paramref name="index"/>: <c>{NamePrefix}-{index:D5}</c>.</summary>
    public string ShardName(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{NamePrefix}-{index:D5}");

    /// <summary>
    /// Options that write exactly one shard named <paramref name="shard"/>, as a rewrite of that input shard does:
    /// <c>name-00003</c> becomes prefix <c>name</c>, first index 3 (another name gets index 0 after it).
    /// </summary>
    public static ShardWriterOptions KeepingName(string shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var dash = shard.LastIndexOf('-');
        var (prefix, index) = dash > 0 && shard.Length - dash == 6 && int.TryParse(shard.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
            ? (shard[..dash], i)
            : (shard, 0);
        return new ShardWriterOptions { NamePrefix = prefix, FirstIndex = index, TargetSamples = int.MaxValue, TargetBytes = long.MaxValue };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(NamePrefix) || !NamePrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"{Section}:NamePrefix '{NamePrefix}' must be letters, digits, '-', '_' or '.'");
        }

        if (FirstIndex < 0 || TargetSamples < 1 || TargetBytes < 1 || RowGroupSamples < 1 || RowGroupBytes < 1)
        {
            throw new ArgumentException($"{Section}: FirstIndex must be >= 0 and TargetSamples, TargetBytes, RowGroupSamples, RowGroupBytes >= 1");
        }
    }
}
