using Parquet.Schema;

namespace Pipeline.Sharding.Samples;

/// <summary>
/// The Parquet columns of a shard, in file order. img2dataset's columns come first with its names and types
/// (strings, int32 sizes, the image as binary in a column named <c>jpg</c> or <c>webp</c>); lineage follows.
/// Columns added later (<c>reserve</c>, then <c>consent</c> and <c>user_agent</c>) are optional and trailing: a shard
/// written before one existed ends before it, and reads as having it (and every later one) all null.
/// </summary>
public sealed class SampleSchema
{
    /// <summary>How many optional trailing columns the current schema has.</summary>
    public const int OptionalColumnCount = 3;

    // [encoding][optional columns present]: the current schema and every older one.
    private static readonly Dictionary<ImageEncoding, SampleSchema[]> ByEncoding = Enum.GetValues<ImageEncoding>()
        .ToDictionary(e => e, e => Enumerable.Range(0, OptionalColumnCount + 1).Select(n => new SampleSchema(e, n)).ToArray());

    private SampleSchema(ImageEncoding encoding, int optionalColumns)
    {
        Encoding = encoding;
        OptionalColumns = optionalColumns;
        Image = new DataField<byte[]>(ColumnName(encoding));
        MatchedEntryIds = new ListField("matched_entry_ids", MatchedEntryId);
        List<Field> fields =
        [
            Key, Url, Caption, Width, Height, OriginalWidth, OriginalHeight, Sha256, Image,
            MatchedEntryIds, KeptForEntry, KeepProbability, PerceptualHash, PageUrl, FetchTime,
        ];
        fields.AddRange(new[] { Reserve, Consent, UserAgent }.Take(optionalColumns));
        Parquet = new ParquetSchema(fields);
    }

    public ImageEncoding Encoding { get; }

    /// <summary>How many of the optional trailing columns (<c>reserve</c>, <c>consent</c>, <c>user_agent</c>) the shard has.</summary>
    public int OptionalColumns { get; }

    /// <summary>False for shards written before the <c>reserve</c> column was added.</summary>
    public bool HasReserve => OptionalColumns >= 1;

    /// <summary>False for shards written before the <c>consent</c> and <c>user_agent</c> columns were added.</summary>
    public bool HasConsent => OptionalColumns >= 3;

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

    /// <summary>The consent record: the decision and the signals seen at fetch time, as <c>key=value</c> pairs separated by <c>;</c>.</summary>
    public DataField Consent { get; } = new DataField<string>("consent");

    /// <summary>The User-Agent the image was fetched with.</summary>
    public DataField UserAgent { get; } = new DataField<string>("user_agent");

    /// <summary>The schema for shards whose images have <paramref name="encoding"/>.</summary>
    public static SampleSchema For(ImageEncoding encoding) => ByEncoding[encoding][OptionalColumnCount];

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

        var actualFields = schema.DataFields;
        var versions = ByEncoding[ParseColumnName(image)];
        var expected = versions.FirstOrDefault(v => v.Parquet.DataFields.Length == actualFields.Length) ?? versions[OptionalColumnCount];

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
