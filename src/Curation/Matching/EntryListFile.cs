using System.Text.Json;
using Parquet;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Reads the entry list that captions are matched against; an entry's id is its position. Accepted: a JSON array
/// of strings (MetaCLIP's <c>metadata.json</c>), a text file with one entry per line, or a Parquet file with a
/// string column <c>text</c> (the query builder's output).
/// </summary>
public static class EntryListFile
{
    /// <summary>Loads the entries.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a readable entry list, or it holds no entries (nothing could ever match); the message names it and the position.
    /// </exception>
    public static async Task<IReadOnlyList<string>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"entry list {path} does not exist", path);
        }

        var entries = new FileInfo(path).Length == 0 ? [] : await LoadAnyAsync(path, cancellationToken);
        return entries.All(string.IsNullOrWhiteSpace)
            ? throw new InvalidDataException($"entry list {path} holds no entries: matching against it would keep nothing")
            : entries;
    }

    private static async Task<IReadOnlyList<string>> LoadAnyAsync(string path, CancellationToken cancellationToken)
    {
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return await LoadParquetAsync(path, cancellationToken);
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            await using var stream = File.OpenRead(path);
            try
            {
                var entries = await JsonSerializer.DeserializeAsync<List<string>>(stream, cancellationToken: cancellationToken);
                return entries ?? throw new InvalidDataException($"{path}: null instead of an array of strings");
            }
            catch (JsonException ex)
            {
                // The serializer's own message names .NET types; where it failed is what a user can act on.
                throw new InvalidDataException($"{path}: not a JSON array of strings (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})", ex);
            }
        }

        var lines = new List<string>();
        using var reader = new StreamReader(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lines.Add(line);
            }
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            throw new InvalidDataException($"{path}: invalid UTF-8 after line {lines.Count}: {ex.Message}", ex);
        }

        return lines;
    }

    private static async Task<IReadOnlyList<string>> LoadParquetAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        var field = Array.Find(reader.Schema.DataFields, f => f.Name == "text" && RowGroupColumns.IsString(f))
            ?? throw new InvalidDataException($"{path}: no string column 'text'");
        var entries = new List<string>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var values = await RowGroupColumns.StringsAsync(group, field, checked((int)group.RowCount), cancellationToken);
            for (var i = 0; i < values.Length; i++)
            {
                entries.Add(values[i] ?? throw new InvalidDataException($"{path}: row {entries.Count} has a null text"));
            }
        }

        return entries;
    }
}
