using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Lists;

/// <summary>
/// Streams URL lists in the formats img2dataset users have: <c>.txt</c> (one URL per line), <c>.csv</c> and
/// <c>.tsv</c> (a header row naming the columns; CSV quoting per RFC 4180, quoted fields may span lines),
/// <c>.jsonl</c>/<c>.json</c> (one object per line), each optionally <c>.gz</c>, and <c>.parquet</c>. An entry that
/// cannot be read (invalid JSON or UTF-8, no URL, an over-long line) is reported with file, line and byte offset and
/// skipped; a file that cannot be read at all throws <see cref="InvalidDataException"/>.
/// </summary>
public static class UrlListFile
{
    /// <summary>Lines longer than this are reported and skipped rather than buffered.</summary>
    public const int MaxLineBytes = 1 << 20;

    // Lineage fields, named as in the shard schema and the pair files.

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private enum Format
    {
        Text,
        Csv,
        Tsv,
        JsonLines,
        Parquet,
    }

    /// <summary>Whether <paramref name="path"/> has an extension this reader understands.</summary>
    public static bool IsSupported(string path) => FormatOf(path) is not null;

    /// <summary>Streams the entries of <paramref name="path"/> in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not readable as its format, or lacks the URL column.</exception>
    public static IAsyncEnumerable<UrlListRecord> ReadAsync(string path, UrlListColumns columns, Action<UrlListProblem>? problem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columns);
        problem ??= _ => { };
        return FormatOf(path) switch
        {
            Format.Parquet => ReadParquetAsync(path, columns, problem, cancellationToken),
            Format.JsonLines => ReadJsonLinesAsync(path, columns, problem, cancellationToken),
            Format.Text => ReadTextAsync(path, problem, cancellationToken),
            Format.Csv => ReadDelimitedAsync(path, ',', columns, problem, cancellationToken),
            Format.Tsv => ReadDelimitedAsync(path, '\t', columns, problem, cancellationToken),
            _ => throw new InvalidDataException($"{path}: unknown URL list format; use .txt, .csv, .tsv, .jsonl (each optionally .gz) or .parquet"),
        };
    }

    private static Format? FormatOf(string path)
    {
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return Format.Parquet;
        }

        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".jsonl" or ".json" => Format.JsonLines,
            ".txt" => Format.Text,
            ".csv" => Format.Csv,
            ".tsv" => Format.Tsv,
            _ => null,
        };
    }

    private static async IAsyncEnumerable<LineSplitter.Line> LinesAsync(string path, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        await foreach (var line in LineSplitter.SplitAsync(stream, MaxLineBytes, path, cancellationToken))
        {
            if (line.TooLong)
            {
                problem(new UrlListProblem(path, line.Number, line.Offset, $"line longer than {MaxLineBytes} bytes"));
                continue;
            }

            if (line.Bytes.Span.Trim((byte)'\r').Trim((byte)' ').IsEmpty)
            {
                continue;
            }

            yield return line;
        }
    }

    private static string? Decode(LineSplitter.Line line, string path, Action<UrlListProblem> problem)
    {
        try
        {
            return StrictUtf8.GetString(line.Bytes.Span.TrimEnd((byte)'\r'));
        }
        catch (DecoderFallbackException ex)
        {
            problem(new UrlListProblem(path, line.Number, line.Offset, $"invalid UTF-8 at byte {ex.Index} of the line"));
            return null;
        }
    }

    private static async IAsyncEnumerable<UrlListRecord> ReadTextAsync(string path, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in LinesAsync(path, problem, cancellationToken))
        {
            if (Decode(line, path, problem)?.Trim() is { Length: > 0 } url && !url.StartsWith('#'))
            {
                yield return new UrlListRecord(url, null, null, null, line.Number, line.Offset);
            }
        }
    }

    private static async IAsyncEnumerable<UrlListRecord> ReadDelimitedAsync(string path, char delimiter, UrlListColumns columns, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, int>? header = null;
        int url = -1, caption = -1, page = -1, key = -1;
        var pending = new StringBuilder();
        long pendingLine = 0, pendingOffset = 0;
        await foreach (var line in LinesAsync(path, problem, cancellationToken))
        {
            if (Decode(line, path, problem) is not { } text)
            {
                continue;
            }

            if (pending.Length == 0)
            {
                (pendingLine, pendingOffset) = (line.Number, line.Offset);
            }
            else
            {
                pending.Append('\n');
            }

            pending.Append(text);
            if (delimiter == ',' && !QuotesBalanced(pending))
            {
                if (pending.Length > MaxLineBytes)
                {
                    problem(new UrlListProblem(path, pendingLine, pendingOffset, "unterminated quoted field"));
                    pending.Clear();
                }

                continue;
            }

            var fields = delimiter == ',' ? SplitCsv(pending.ToString()) : [.. pending.ToString().Split('\t')];
            pending.Clear();
            if (header is null)
            {
                header = fields.Select((name, i) => (name: name.Trim(), i)).GroupBy(f => f.name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
                url = header.GetValueOrDefault(columns.Url, -1);
                caption = header.GetValueOrDefault(columns.Caption, -1);
                page = header.GetValueOrDefault(columns.PageUrl, -1);
                key = header.GetValueOrDefault(columns.Key, -1);
                if (url < 0)
                {
                    throw new InvalidDataException($"{path}: the header row has no '{columns.Url}' column (columns: {string.Join(", ", header.Keys)})");
                }

                continue;
            }

            string? Field(int index) => index >= 0 && index < fields.Count ? fields[index] : null;
            if (Field(url) is not { Length: > 0 } value)
            {
                problem(new UrlListProblem(path, pendingLine, pendingOffset, $"no '{columns.Url}' value"));
                continue;
            }

            yield return new UrlListRecord(value.Trim(), Field(caption), Field(page), Field(key), pendingLine, pendingOffset);
        }

        if (pending.Length > 0)
        {
            problem(new UrlListProblem(path, pendingLine, pendingOffset, "unterminated quoted field at the end of the file"));
        }
    }

    private static bool QuotesBalanced(StringBuilder text)
    {
        var quotes = 0;
        foreach (var chunk in text.GetChunks())
        {
            quotes += chunk.Span.Count('"');
        }

        return quotes % 2 == 0;
    }

    private static List<string> SplitCsv(string record)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < record.Length; i++)
        {
            var c = record[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < record.Length && record[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static async IAsyncEnumerable<UrlListRecord> ReadJsonLinesAsync(string path, UrlListColumns columns, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new JsonLineParser(columns);
        await foreach (var line in LinesAsync(path, problem, cancellationToken))
        {
            UrlListRecord? record;
            string? reason;
            try
            {
                (record, reason) = parser.Parse(line);
            }
            catch (JsonException ex)
            {
                (record, reason) = (null, "invalid JSON or UTF-8: " + ex.Message);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                // The reader checks UTF-8 inside strings, and numbers' ranges, only when they are read.
                (record, reason) = (null, "invalid value: " + ex.Message);
            }

            if (record is null)
            {
                problem(new UrlListProblem(path, line.Number, line.Offset, reason!));
                continue;
            }

            yield return record;
        }
    }

    private static async IAsyncEnumerable<UrlListRecord> ReadParquetAsync(string path, UrlListColumns columns, Action<UrlListProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file: {ex.Message}", ex);
        }

        await using (reader)
        {
            var fields = reader.Schema.DataFields;
            DataField? Optional(string name) => Array.Find(fields, f => f.Name == name && RowGroupColumns.IsString(f));
            var urlField = Optional(columns.Url)
                ?? throw new InvalidDataException($"{path}: no string column '{columns.Url}' (columns: {string.Join(", ", fields.Select(f => f.Name))})");
            var captionField = Optional(columns.Caption);
            var pageField = Optional(columns.PageUrl);
            var keyField = Optional(columns.Key);
            var lineage = ParquetLineage.Find(fields);
            long row = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                async Task<string?[]?> Column(DataField? field) => field is null ? null : await RowGroupColumns.StringsAsync(group, field, n, cancellationToken);
                var urls = (await Column(urlField))!;
                var captions = await Column(captionField);
                var pages = await Column(pageField);
                var keys = await Column(keyField);
                var lineages = lineage is null ? null : await lineage.ReadAsync(group, n, cancellationToken);
                for (var i = 0; i < n; i++)
                {
                    row++;
                    if (urls[i] is not { } url)
                    {
                        problem(new UrlListProblem(path, row, -1, $"null '{columns.Url}'"));
                        continue;
                    }

                    yield return new UrlListRecord(url, captions?[i], pages?[i], keys?[i], row, -1, lineages?[i]);
                }
            }
        }
    }
}
