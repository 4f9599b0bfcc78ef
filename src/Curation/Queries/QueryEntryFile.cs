using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Queries;

/// <summary>
/// The query builder's output: a Parquet file with columns <c>text</c> (what the matcher reads), <c>sources</c>,
/// and the admitting figures <c>count</c>, <c>pmi</c>, <c>views</c>, <c>synset</c> (null where a source did not apply).
/// </summary>
public static class QueryEntryFile
{
    private const int RowGroupRows = 100_000;
    private static readonly DataField Text = new DataField<string>("text");
    private static readonly DataField Sources = new DataField<string>("sources");
    private static readonly DataField Count = new DataField<long?>("count");
    private static readonly DataField Pmi = new DataField<double?>("pmi");
    private static readonly DataField Views = new DataField<long?>("views");
    private static readonly DataField Synset = new DataField<string>("synset");
    private static readonly ParquetSchema Schema = new(Text, Sources, Count, Pmi, Views, Synset);

    /// <summary>Writes the entries to <paramref name="path"/> atomically, so a reader never sees half a file.</summary>
    public static async Task WriteAsync(string path, IReadOnlyList<QueryEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await AtomicFile.WriteAsync(path, async (file, ct) =>
        {
            await using var writer = await ParquetWriter.CreateAsync(Schema, file, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: ct);

            // An empty list still gets one (empty) row group, so that readers see the schema.
            var start = 0;
            do
            {
                var group = entries.Skip(start).Take(RowGroupRows).ToArray();
                using var rows = writer.CreateRowGroup();
                await rows.WriteAsync(Text, group.Select(e => (string?)e.Text).ToArray());
                await rows.WriteAsync(Sources, group.Select(e => (string?)e.SourceNames).ToArray());
                await rows.WriteAsync<long>(Count, group.Select(e => e.Count).ToArray(), null, null, ct);
                await rows.WriteAsync<double>(Pmi, group.Select(e => e.Pmi).ToArray(), null, null, ct);
                await rows.WriteAsync<long>(Views, group.Select(e => e.Views).ToArray(), null, null, ct);
                await rows.WriteAsync(Synset, group.Select(e => e.Synset).ToArray());
                start += RowGroupRows;
            }
            while (start < entries.Count);
        }, cancellationToken);
    }

    /// <summary>Reads every entry of a file.</summary>
    /// <exception cref="InvalidDataException">The file is not a query entry file; the message names it.</exception>
    public static async Task<List<QueryEntry>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a Parquet file ({ex.Message})", ex);
        }

        await using var _ = reader;
        var names = reader.Schema.DataFields.Select(f => f.Name).ToHashSet();
        if (!names.IsSupersetOf(Schema.DataFields.Select(f => f.Name)))
        {
            throw new InvalidDataException($"{path}: not a query entry file (columns: {string.Join(", ", names)})");
        }

        var entries = new List<QueryEntry>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var text = await RowGroupColumns.StringsAsync(group, Text, n, cancellationToken);
            var sources = await RowGroupColumns.StringsAsync(group, Sources, n, cancellationToken);
            var count = await RowGroupColumns.NullableAsync<long>(group, Count, n, cancellationToken);
            var pmi = await RowGroupColumns.NullableAsync<double>(group, Pmi, n, cancellationToken);
            var views = await RowGroupColumns.NullableAsync<long>(group, Views, n, cancellationToken);
            var synset = await RowGroupColumns.StringsAsync(group, Synset, n, cancellationToken);
            for (var i = 0; i < n; i++)
            {
                entries.Add(new QueryEntry(
                    text[i] ?? throw new InvalidDataException($"{path}: row {entries.Count} has no text"),
                    QueryEntry.ParseSources(sources[i] ?? ""),
                    count[i],
                    pmi[i],
                    views[i],
                    synset[i]));
            }
        }

        return entries;
    }
}
