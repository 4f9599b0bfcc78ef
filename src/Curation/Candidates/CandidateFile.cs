using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Candidates;

/// <summary>
/// Streams the candidates of one pool file: JSON lines (<c>.jsonl</c>, <c>.json</c>, optionally <c>.gz</c>) or
/// Parquet. A record that cannot be read (invalid JSON or UTF-8, a missing or non-string URL or caption, an
/// over-long line) is reported to the problem callback with its file, line and byte offset, and skipped; a file
/// that cannot be read at all throws.
/// </summary>
public static class CandidateFile
{
    /// <summary>Lines longer than this are reported and skipped rather than buffered.</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>Whether <paramref name="path"/> has an extension this reader understands.</summary>
    public static bool IsSupported(string path) =>
        path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || IsJsonLines(path);

    /// <summary>Streams the file's candidates in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not readable as its format, or lacks a required column.</exception>
    public static IAsyncEnumerable<Candidate> ReadAsync(string path, CandidateColumns columns, Action<CandidateProblem>? problem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columns);
        problem ??= _ => { };
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return ReadParquetAsync(path, columns, problem, cancellationToken);
        }

        return IsJsonLines(path)
            ? ReadJsonLinesAsync(path, columns, problem, cancellationToken)
            : throw new InvalidDataException($"{path}: unknown pool format; use .jsonl, .jsonl.gz or .parquet");
    }

    private static bool IsJsonLines(string path)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
    }

    private static async IAsyncEnumerable<Candidate> ReadJsonLinesAsync(string path, CandidateColumns columns, Action<CandidateProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        await foreach (var line in LineSplitter.SplitAsync(stream, MaxLineBytes, path, cancellationToken))
        {
            if (line.TooLong)
            {
                problem(new CandidateProblem(path, line.Number, line.Offset, $"line longer than {MaxLineBytes} bytes"));
                continue;
            }

            if (line.Bytes.Span.Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            Candidate? candidate;
            string? reason;
            try
            {
                (candidate, reason) = Parse(line.Bytes, columns);
            }
            catch (JsonException ex)
            {
                (candidate, reason) = (null, "invalid JSON or UTF-8: " + ex.Message);
            }
            catch (InvalidOperationException ex)
            {
                // JsonDocument checks UTF-8 inside strings only when they are read.
                (candidate, reason) = (null, "invalid UTF-8 in a string: " + ex.Message);
            }

            if (candidate is null)
            {
                problem(new CandidateProblem(path, line.Number, line.Offset, reason!));
                continue;
            }

            yield return candidate;
        }
    }

    private static (Candidate?, string?) Parse(ReadOnlyMemory<byte> line, CandidateColumns columns)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "not a JSON object");
        }

        var url = Text(root, columns.Url);
        var caption = Text(root, columns.Caption);
        if (url is null || caption is null)
        {
            return (null, $"no string '{(url is null ? columns.Url : columns.Caption)}' field");
        }

        var key = Text(root, columns.Key) ?? Candidate.DeriveKey(url, caption);
        return (new Candidate(key, url, caption, Text(root, columns.PageUrl)), null);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static async IAsyncEnumerable<Candidate> ReadParquetAsync(string path, CandidateColumns columns, Action<CandidateProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
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
            DataField Required(string name) => Array.Find(fields, f => f.Name == name && f.ClrType == typeof(string))
                ?? throw new InvalidDataException($"{path}: no string column '{name}' (columns: {string.Join(", ", fields.Select(f => f.Name))})");
            var urlField = Required(columns.Url);
            var captionField = Required(columns.Caption);
            var pageField = Array.Find(fields, f => f.Name == columns.PageUrl && f.ClrType == typeof(string));
            var keyField = Array.Find(fields, f => f.Name == columns.Key && f.ClrType == typeof(string));
            long row = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var urls = await RowGroupColumns.StringsAsync(group, urlField, n, cancellationToken);
                var captions = await RowGroupColumns.StringsAsync(group, captionField, n, cancellationToken);
                var pages = pageField is null ? null : await RowGroupColumns.StringsAsync(group, pageField, n, cancellationToken);
                var keys = keyField is null ? null : await RowGroupColumns.StringsAsync(group, keyField, n, cancellationToken);
                for (var i = 0; i < n; i++)
                {
                    row++;
                    if (urls[i] is not { } url || captions[i] is not { } caption)
                    {
                        problem(new CandidateProblem(path, row, -1, $"null '{(urls[i] is null ? columns.Url : columns.Caption)}'"));
                        continue;
                    }

                    yield return new Candidate(keys?[i] ?? Candidate.DeriveKey(url, caption), url, caption, pages?[i]);
                }
            }
        }
    }

}
