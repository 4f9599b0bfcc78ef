using Parquet.Schema;

namespace Pipeline.Sharding.Samples;

/// <summary>
/// The Parquet columns of a shard, in file order. img2dataset's columns come first with its names and types
/// (strings, int32 sizes, the image as binary in a column named <c>jpg</c> or <c>webp</c>); lineage follows.
/// Shards written before the <c>reserve</c> column existed (it is the last) are read as having it all null.
/// </summary>
public sealed class SampleSchema
{
    private static readonly Dictionary<ImageEncoding, SampleSchema> ByEncoding = Enum.GetValues<ImageEncoding>()
        .ToDictionary(e => e, e => new SampleSchema(e, hasReserve: true));

    private static readonly Dictionary<ImageEncoding, SampleSchema> WithoutReserve = Enum.GetValues<ImageEncoding>()
        .ToDictionary(e => e, e => new SampleSchema(e, hasReserve: false));

    private SampleSchema(ImageEncoding encoding, bool hasReserve)
    {
        Encoding = encoding;
        HasReserve = hasReserve;
        Image = new DataField<byte[]>(ColumnName(encoding));
        MatchedEntryIds = new ListField("matched_entry_ids", MatchedEntryId);
        List<Field> fields =
        [
            Key, Url, Caption, Width, Height, OriginalWidth, OriginalHeight, Sha256, Image,
            MatchedEntryIds, KeptForEntry, KeepProbability, PerceptualHash, PageUrl, FetchTime,
        ];
        if (hasReserve)
        {
            fields.Add(Reserve);
        }

        Parquet = new ParquetSchema(fields);
    }

    public ImageEncoding Encoding { get; }

    /// <summary>False for shards written before the <c>reserve</c> column was added.</summary>
    public bool HasReserve { get; }

    public ParquetSchema Parquet { get; }

    public DataField Key { get; } = new DataField<string>("key");

    public DataField Url { get; } = new DataField<string>("url");

    public DataField Caption { get; } = new DataField<string>("caption");

    public DataField Width { get; } = new DataField<int>("width");

    public DataField Height { get; } = new DataField<int>("height");

    public DataField OriginalWidth { get; } = new DataField<int>("original_width");

    public DataField OriginalHeight { get; } = new DataField<int>("original_height");

    public DataField Sha256 { get; } = new DataField<string>("sha256");

    /// <summary>The image bytes, stored uncompressed (they are JPEG or WebP already).</summary>
    public DataField Image { get; }

    /// <summary>The element field of the <c>matched_entry_ids</c> list, which is what Parquet reads and writes.</summary>
    public DataField MatchedEntryId { get; } = new DataField<int>("element");

    public ListField MatchedEntryIds { get; }

    public DataField KeptForEntry { get; } = new DataField<int?>("kept_for_entry");

    public DataField KeepProbability { get; } = new DataField<double?>("keep_probability");

    /// <summary>Unsigned 64-bit perceptual hash (Parquet INT64 annotated unsigned).</summary>
    public DataField PerceptualHash { get; } = new DataField<ulong?>("phash");

    public DataField PageUrl { get; } = new DataField<string>("page_url");

    public DataField FetchTime { get; } = new DateTimeDataField("fetch_time", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true);

    /// <summary>True for a pair the balancer held in reserve (fetched to refill its entry), false for a kept one, null when not balanced.</summary>
    public DataField Reserve { get; } = new DataField<bool?>("reserve");

    /// <summary>The schema for shards whose images have <paramref name="encoding"/>.</summary>
    public static SampleSchema For(ImageEncoding encoding) => ByEncoding[encoding];

    /// <summary>The image column's name for an encoding: <c>jpg</c> or <c>webp</c>.</summary>
    public static string ColumnName(ImageEncoding encoding) => encoding switch
    {
        ImageEncoding.Jpg => "jpg",
        ImageEncoding.Webp => "webp",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown image encoding"),
    };

    /// <summary>Parses an image column name (<c>jpg</c>, <c>webp</c>) back to its encoding.</summary>
    public static ImageEncoding ParseColumnName(string column) => column switch
    {
        "jpg" => ImageEncoding.Jpg,
        "webp" => ImageEncoding.Webp,
        _ => throw new FormatException($"'{column}' is not an image column; expected 'jpg' or 'webp'"),
    };

    /// <summary>
    /// Finds which of our schemas <paramref name="schema"/> is, comparing column names, order and types;
    /// null with a reason when it is none of them.
    /// </summary>
    public static SampleSchema? Match(ParquetSchema schema, out string? mismatch)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var image = schema.DataFields.Select(f => f.Name).FirstOrDefault(n => n is "jpg" or "webp");
        if (image is null)
        {
            mismatch = "no image column ('jpg' or 'webp')";
            return null;
        }

        var expected = For(ParseColumnName(image));
        var actualFields = schema.DataFields;
        if (actualFields.Length == expected.Parquet.DataFields.Length - 1)
        {
            expected = WithoutReserve[expected.Encoding];
        }

        var expectedFields = expected.Parquet.DataFields;
        if (actualFields.Length != expectedFields.Length)
        {
            mismatch = $"{actualFields.Length} columns, expected {expectedFields.Length}";
            return null;
        }

        for (var i = 0; i < expectedFields.Length; i++)
        {
            var (a, e) = (actualFields[i], expectedFields[i]);
            if (a.Path.ToString() != e.Path.ToString() || a.ClrType != e.ClrType)
            {
                mismatch = $"column {i} is '{a.Path}' ({a.ClrType.Name}), expected '{e.Path}' ({e.ClrType.Name})";
                return null;
            }
        }

        mismatch = null;
        return expected;
    }
}
