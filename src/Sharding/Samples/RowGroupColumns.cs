using Parquet;
using Parquet.Schema;

namespace Pipeline.Sharding.Samples;

/// <summary>Reads one whole column of a Parquet row group into an array, by value kind.</summary>
public static class RowGroupColumns
{
    /// <summary>Whether <paramref name="field"/>, as a file's schema describes it, holds text: Parquet.Net reports UTF-8 columns it reads as <see cref="ReadOnlyMemory{T}"/> of char, those it writes as string.</summary>
    public static bool IsString(DataField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);
    }

    /// <summary>A string column (null where the value is null).</summary>
    public static async Task<string?[]> StringsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var values = new string?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    /// <summary>A required value column.</summary>
    public static async Task<T[]> ValuesAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(group);
        var values = new T[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    /// <summary>A nullable value column.</summary>
    public static async Task<T?[]> NullableAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(group);
        var values = new T?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }
}
