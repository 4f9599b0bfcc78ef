using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Lists;

/// <summary>
/// The lineage columns of a Parquet URL list (the pair files <c>curate match</c> and <c>curate balance</c> write):
/// <c>matched_entry_ids</c> (list of int32) and, when balanced, <c>kept_for_entry</c>, <c>keep_probability</c>, <c>reserve</c>.
/// </summary>
internal sealed class ParquetLineage
{
    // The list's element as the shard schema declares it: a field of a schema, so Parquet.Net knows its path and levels.
    private static readonly DataField MatchedEntryId = SampleSchema.For(ImageEncoding.Jpg).MatchedEntryId;

    private readonly DataField _matched;
    private readonly DataField? _keptFor;
    private readonly DataField? _probability;
    private readonly DataField? _reserve;

    private ParquetLineage(DataField matched, DataField? keptFor, DataField? probability, DataField? reserve) =>
        (_matched, _keptFor, _probability, _reserve) = (matched, keptFor, probability, reserve);

    /// <summary>The lineage columns among <paramref name="fields"/>; null when there is no int32 <c>matched_entry_ids</c> list.</summary>
    public static ParquetLineage? Find(DataField[] fields)
    {
        DataField? Of<T>(string path) => Array.Find(fields, f => f.Path.ToString() == path && (Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType) == typeof(T));
        var matched = Array.Find(fields, f => f.Path.ToString() == MatchedEntryId.Path.ToString() && f.ClrType == typeof(int));
        return matched is null
            ? null
            : new ParquetLineage(MatchedEntryId, Of<int>("kept_for_entry"), Of<double>("keep_probability"), Of<bool>("reserve"));
    }

    /// <summary>Each row's lineage in a row group of <paramref name="rows"/> rows.</summary>
    public async Task<PairLineage[]> ReadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
    {
        var matched = await Int32ListColumn.ReadAsync(group, _matched, rows, cancellationToken);
        var keptFor = _keptFor is null ? new int?[rows] : await RowGroupColumns.NullableAsync<int>(group, _keptFor, rows, cancellationToken);
        var probability = _probability is null ? new double?[rows] : await RowGroupColumns.NullableAsync<double>(group, _probability, rows, cancellationToken);
        var reserve = _reserve is null ? new bool?[rows] : await RowGroupColumns.NullableAsync<bool>(group, _reserve, rows, cancellationToken);
        var lineage = new PairLineage[rows];
        for (var i = 0; i < rows; i++)
        {
            lineage[i] = new PairLineage(matched[i], keptFor[i], probability[i], reserve[i]);
        }

        return lineage;
    }
}
