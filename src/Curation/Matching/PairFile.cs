using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Parquet files of matched pairs, before and after balancing: <c>key, url, caption, page_url,
/// matched_entry_ids</c>, and the nullable balancing columns <c>kept_for_entry, keep_probability, reserve</c>
/// (named as in the shard schema).
/// </summary>
public static class PairFile
{
    /// <summary>Rows per row group.</summary>
    public const int RowGroupRows = 50_000;

    private static readonly DataField Key = new DataField<string>("key");
    private static readonly DataField Url = new DataField<string>("url");
    private static readonly DataField Caption = new DataField<string>("caption");
    private static readonly DataField PageUrl = new DataField<string>("page_url");
    private static readonly DataField EntryId = new DataField<int>("element");
    private static readonly DataField KeptFor = new DataField<int?>("kept_for_entry");
    private static readonly DataField KeepProbability = new DataField<double?>("keep_probability");
    private static readonly DataField Reserve = new DataField<bool?>("reserve");
    private static readonly ParquetSchema Schema = new(Key, Url, Caption, PageUrl, new ListField("matched_entry_ids", EntryId), KeptFor, KeepProbability, Reserve);

    /// <summary>Writes <paramref name="pairs"/> to <paramref name="stream"/>; returns how many.</summary>
    public static async Task<long> WriteAsync(Stream stream, IAsyncEnumerable<MatchedPair> pairs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken);
        var batch = new List<MatchedPair>(RowGroupRows);
        long written = 0;
        await foreach (var pair in pairs.WithCancellation(cancellationToken))
        {
            batch.Add(pair);
            if (batch.Count == RowGroupRows)
            {
                await WriteGroupAsync(writer, batch, cancellationToken);
                written += batch.Count;
                batch.Clear();
            }
        }

        // An empty file still gets one (empty) row group so that readers see the schema.
        if (batch.Count > 0 || written == 0)
        {
            await WriteGroupAsync(writer, batch, cancellationToken);
            written += batch.Count;
        }

        return written;
    }

    /// <summary>Streams the pairs of a file in order.</summary>
    /// <exception cref="InvalidDataException">The file is not a pair file; the message names it.</exception>
    public static async IAsyncEnumerable<MatchedPair> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        var names = reader.Schema.DataFields.Select(f => f.Path.ToString()).ToHashSet();
        if (!names.Contains("key") || !names.Contains("caption"))
        {
            throw new InvalidDataException($"{path}: not a pair file (columns: {string.Join(", ", names)})");
        }

        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var keys = await RowGroupColumns.StringsAsync(group, Key, n, cancellationToken);
            var urls = await RowGroupColumns.StringsAsync(group, Url, n, cancellationToken);
            var captions = await RowGroupColumns.StringsAsync(group, Caption, n, cancellationToken);
            var pages = await RowGroupColumns.StringsAsync(group, PageUrl, n, cancellationToken);
            var ids = await Int32ListColumn.ReadAsync(group, EntryId, n, cancellationToken);
            var keptFor = await RowGroupColumns.NullableAsync<int>(group, KeptFor, n, cancellationToken);
            var probabilities = await RowGroupColumns.NullableAsync<double>(group, KeepProbability, n, cancellationToken);
            var reserves = await RowGroupColumns.NullableAsync<bool>(group, Reserve, n, cancellationToken);
            for (var i = 0; i < n; i++)
            {
                yield return new MatchedPair(keys[i] ?? throw new InvalidDataException($"{path}: row group {g} row {i} has no key"), urls[i] ?? "", captions[i] ?? "", pages[i], ids[i])
                {
                    Balance = keptFor[i] is { } entry ? new BalanceDecision(entry, probabilities[i] ?? 1, reserves[i] ?? false) : null,
                };
            }
        }
    }

    private static async Task WriteGroupAsync(ParquetWriter writer, List<MatchedPair> batch, CancellationToken cancellationToken)
    {
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(Key, batch.Select(p => (string?)p.Key).ToArray());
        await group.WriteAsync(Url, batch.Select(p => (string?)p.Url).ToArray());
        await group.WriteAsync(Caption, batch.Select(p => (string?)p.Caption).ToArray());
        await group.WriteAsync(PageUrl, batch.Select(p => p.PageUrl).ToArray());
        await Int32ListColumn.WriteAsync(group, EntryId, batch.Select(p => p.EntryIds).ToArray(), cancellationToken);
        await group.WriteAsync<int>(KeptFor, batch.Select(p => p.Balance?.Entry).ToArray(), null, null, cancellationToken);
        await group.WriteAsync<double>(KeepProbability, batch.Select(p => p.Balance?.KeepProbability).ToArray(), null, null, cancellationToken);
        await group.WriteAsync<bool>(Reserve, batch.Select(p => p.Balance?.Reserve).ToArray(), null, null, cancellationToken);
    }
}
