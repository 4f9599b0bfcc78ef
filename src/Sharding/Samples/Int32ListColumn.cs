using Parquet;
using Parquet.Schema;

namespace Pipeline.Sharding.Samples;

/// <summary>
/// Writes and reads a non-null <c>list&lt;int32&gt;</c> column (such as matched entry ids) in Parquet's Dremel
/// encoding: values flat, repetition level 0 starting each row, definition level 2 for a value and 1 for an
/// empty list. Parquet.Net needs the levels spelled out for lists.
/// </summary>
public static class Int32ListColumn
{
    /// <summary>Writes one list per row into the column whose element field is <paramref name="element"/>.</summary>
    public static async Task WriteAsync(ParquetRowGroupWriter group, DataField element, IReadOnlyList<IReadOnlyList<int>> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(rows);
        var values = new List<int>(rows.Count);
        var definitions = new List<int>(rows.Count);
        var repetitions = new List<int>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Count == 0)
            {
                definitions.Add(1);
                repetitions.Add(0);
                continue;
            }

            for (var i = 0; i < row.Count; i++)
            {
                values.Add(row[i]);
                definitions.Add(2);
                repetitions.Add(i == 0 ? 0 : 1);
            }
        }

        await group.WriteAllPartsAsync<int>(element, values.ToArray(), definitions.ToArray(), repetitions.ToArray(), cancellationToken);
    }

    /// <summary>Reads the lists of a row group of <paramref name="rowCount"/> rows.</summary>
    /// <exception cref="InvalidDataException">The levels describe a different number of rows.</exception>
    public static async Task<IReadOnlyList<int>[]> ReadAsync(ParquetRowGroupReader group, DataField element, int rowCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var levels = checked((int)(group.GetMetadata(element)?.MetaData?.NumValues ?? 0));
        var values = new int[levels];
        var definitions = new int[levels];
        var repetitions = new int[levels];
        await group.ReadRawAsync<int>(element, values.AsMemory(), definitions.AsMemory(), repetitions.AsMemory(), cancellationToken);
        var rows = new IReadOnlyList<int>[rowCount];
        var row = -1;
        var next = 0;
        List<int>? current = null;
        for (var i = 0; i < levels; i++)
        {
            if (repetitions[i] == 0)
            {
                if (current is not null)
                {
                    rows[row] = current;
                }

                if (++row >= rowCount)
                {
                    throw new InvalidDataException($"{element.Path} has more than {rowCount} rows, the row group's count");
                }

                current = [];
            }

            if (definitions[i] == 2)
            {
                current!.Add(values[next++]);
            }
        }

        if (current is not null)
        {
            rows[row] = current;
        }

        if (row != rowCount - 1)
        {
            throw new InvalidDataException($"{element.Path} has {row + 1} rows, the row group {rowCount}");
        }

        return rows;
    }
}
