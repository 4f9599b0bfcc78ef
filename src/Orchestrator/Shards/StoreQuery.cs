using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Shards;

/// <summary>
/// SQL over a shard store's committed data, run by DuckDB. View <c>samples</c> reads exactly the shard files the
/// manifest lists, so staging files and shards never committed do not show; view <c>dropped</c> holds the records the
/// curation steps (filter, dedup, overlap) wrote for the shards they finished: <c>step</c>, <c>shard</c>, <c>key</c>,
/// <c>url</c>, <c>caption</c>, <c>reason</c>, <c>detail</c>, <c>duplicate_of</c>, <c>distance</c>. A store that is not a
/// local folder (Azure Blob) is first copied, committed files only, to a temporary folder.
/// </summary>
public sealed class StoreQuery : IAsyncDisposable
{
    /// <summary>The curation steps whose dropped records the <c>dropped</c> view reads.</summary>
    private static readonly string[] Steps = ["filter", "dedup", "overlap"];

    private readonly DuckDBConnection _connection;
    private readonly string? _copy;

    private StoreQuery(DuckDBConnection connection, string? copy)
    {
        _connection = connection;
        _copy = copy;
    }

    /// <summary>Opens an in-memory DuckDB over <paramref name="store"/>'s committed shards and dropped records.</summary>
    /// <param name="store">The store.</param>
    /// <param name="progress">Told of a copy of a remote store, file by file; may be null.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    public static async Task<StoreQuery> OpenAsync(IShardStore store, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        if (manifest.Shards.FirstOrDefault(s => s.FileFormat != ShardFormat.Parquet) is { } tar)
        {
            throw new PipelineConfigurationException(
                $"query reads Parquet shards; {store.Location} holds webdataset shards ({tar.Name}): convert a copy first with 'pipeline shard convert {store.Location} --to parquet --out FOLDER'");
        }

        var shardPaths = manifest.Shards.Select(s => s.Path).ToList();
        var dropped = new List<string>();
        foreach (var step in Steps)
        {
            // A shard's dropped records count once its done record is written; a shard that dropped nothing has an empty file.
            var finished = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var done in store.ListAsync($"{step}/done/", cancellationToken))
            {
                if (!done.IsStaging && done.Path.EndsWith(".json", StringComparison.Ordinal))
                {
                    finished.Add(Path.GetFileName(done.Path)[..^".json".Length]);
                }
            }

            await foreach (var file in store.ListAsync($"{step}/dropped/", cancellationToken))
            {
                if (!file.IsStaging && file.Length > 0 && file.Path.EndsWith(".jsonl.gz", StringComparison.Ordinal)
                    && finished.Contains(Path.GetFileName(file.Path)[..^".jsonl.gz".Length]))
                {
                    dropped.Add(file.Path);
                }
            }
        }

        string? copy = null;
        string root;
        if (store is LocalFolderStore local)
        {
            root = local.Root;
        }
        else
        {
            copy = root = Directory.CreateTempSubdirectory("pipeline-query-").FullName;
            try
            {
                foreach (var path in shardPaths.Concat(dropped))
                {
                    progress?.Report($"query: copying {store.Describe(path)}");
                    var target = Path.Combine(root, path);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await using var source = await store.OpenSequentialAsync(path, cancellationToken);
                    await using var file = File.Create(target);
                    await source.CopyToAsync(file, cancellationToken);
                }
            }
            catch
            {
                Directory.Delete(copy, recursive: true);
                throw;
            }
        }

        var connection = new DuckDBConnection("DataSource=:memory:");
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, SamplesView([.. shardPaths.Select(p => Path.Combine(root, p))]), cancellationToken);
            await ExecuteAsync(connection, DroppedView([.. dropped.Select(d => Path.Combine(root, d))]), cancellationToken);
            return new StoreQuery(connection, copy);
        }
        catch
        {
            await connection.DisposeAsync();
            if (copy is not null)
            {
                Directory.Delete(copy, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> and returns up to <paramref name="maxRows"/> rows.</summary>
    /// <exception cref="PipelineConfigurationException">DuckDB refused the query (its message, naming what is wrong).</exception>
    public Task<StoreQueryResult> RunAsync(string sql, int maxRows, CancellationToken cancellationToken) => RunAsync(sql, [], maxRows, cancellationToken);

    /// <summary>Runs <paramref name="sql"/> with positional parameters (<c>$1</c>, <c>$2</c>, ...) and returns up to <paramref name="maxRows"/> rows.</summary>
    /// <exception cref="PipelineConfigurationException">DuckDB refused the query (its message, naming what is wrong).</exception>
    public async Task<StoreQueryResult> RunAsync(string sql, IReadOnlyList<object?> parameters, int maxRows, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new DuckDBParameter(parameter ?? DBNull.Value));
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var rows = new List<object?[]>();
            var truncated = false;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (rows.Count == maxRows)
                {
                    truncated = true;
                    break;
                }

                var row = new object?[columns.Count];
                for (var c = 0; c < row.Length; c++)
                {
                    row[c] = reader.IsDBNull(c) ? null : reader.GetValue(c) switch
                    {
                        // A blob is a view of DuckDB's memory, valid only until the next row: keep a copy.
                        Stream blob => await CopyAsync(blob, cancellationToken),
                        var value => value,
                    };
                }

                rows.Add(row);
            }

            return new StoreQueryResult(columns, rows, truncated);
        }
        catch (DuckDBException ex)
        {
            throw new PipelineConfigurationException($"query: {ex.Message.Trim()}", ex);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        if (_copy is not null && Directory.Exists(_copy))
        {
            Directory.Delete(_copy, recursive: true);
        }
    }

    private static async Task<byte[]> CopyAsync(Stream blob, CancellationToken cancellationToken)
    {
        await using (blob)
        {
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy, cancellationToken);
            return copy.ToArray();
        }
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string SamplesView(IReadOnlyList<string> files) => files.Count == 0
        // Nothing committed yet: an empty view, so queries still run.
        ? "CREATE VIEW samples AS SELECT NULL::VARCHAR AS key WHERE false"
        // union_by_name: shards written before a column was added read it as NULL.
        : $"CREATE VIEW samples AS SELECT * FROM read_parquet({List(files)}, union_by_name = true)";

    private static string DroppedView(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return "CREATE VIEW dropped AS SELECT NULL::VARCHAR AS step, NULL::VARCHAR AS shard, NULL::VARCHAR AS key, NULL::VARCHAR AS url, "
                + "NULL::VARCHAR AS caption, NULL::VARCHAR AS reason, NULL::VARCHAR AS detail, NULL::VARCHAR AS duplicate_of, NULL::INTEGER AS distance WHERE false";
        }

        // Each row's step and shard come from its file's path: STEP/dropped/SHARD.jsonl.gz.
        const string Columns = "{key: 'VARCHAR', url: 'VARCHAR', caption: 'VARCHAR', reason: 'VARCHAR', detail: 'VARCHAR', duplicateOf: 'VARCHAR', distance: 'INTEGER'}";
        const string Pattern = "'([^/]+)/dropped/([^/]+)\\.jsonl\\.gz$'";
        return $"CREATE VIEW dropped AS SELECT regexp_extract(filename, {Pattern}, 1) AS step, regexp_extract(filename, {Pattern}, 2) AS shard, "
            + "key, url, caption, reason, detail, duplicateOf AS duplicate_of, distance "
            + $"FROM read_json({List(files)}, format = 'newline_delimited', columns = {Columns}, filename = true)";
    }

    private static string List(IEnumerable<string> items) => $"[{string.Join(", ", items.Select(Literal))}]";

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A value as text for a table or CSV: NULL, byte counts for blobs, lists in brackets, numbers and booleans as SQL prints them.</summary>
    public static string Format(object? value) => value switch
    {
        null => "NULL",
        byte[] bytes => $"<{bytes.Length} bytes>",
        Stream blob => $"<{blob.Length} bytes>",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.</summary>
    public static string CsvField(object? value)
    {
        var text = value is null ? "" : Format(value);
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return text;
        }

        var quoted = new StringBuilder("\"");
        quoted.Append(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        return quoted.Append('"').ToString();
    }
}
