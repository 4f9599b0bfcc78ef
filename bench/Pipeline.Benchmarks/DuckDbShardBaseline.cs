using System.Diagnostics;
using DuckDB.NET.Data;
using Pipeline.Sharding.Samples;

namespace Pipeline.Benchmarks;

/// <summary>
/// DuckDB (in process) writing the same rows as our shard writer with <c>COPY (SELECT ...) TO 'file.parquet'</c> and
/// reading them back with <c>read_parquet</c>. The rows are loaded into an in-memory table with the Appender first and
/// that load is not timed: a write times the COPY statements (one file per shard, Snappy, row groups of about the
/// same row count as ours) plus an fsync of each file, as our writer fsyncs each shard; a read times a streaming
/// SELECT of every column that builds a <see cref="Sample"/> per row, copying each image's bytes into a managed array.
/// </summary>
internal sealed class DuckDbShardBaseline : IDisposable
{
    private readonly DuckDBConnection _connection = new("DataSource=:memory:");
    private readonly int _samples;

    public DuckDbShardBaseline(IReadOnlyList<Sample> data)
    {
        _samples = data.Count;
        _connection.Open();
        Execute("""
            CREATE TABLE samples (
                i INTEGER, key VARCHAR, url VARCHAR, caption VARCHAR, width INTEGER, height INTEGER,
                original_width INTEGER, original_height INTEGER, sha256 VARCHAR, jpg BLOB, matched_entry_id INTEGER,
                kept_for_entry INTEGER, keep_probability DOUBLE, phash UBIGINT, page_url VARCHAR, fetch_time TIMESTAMP,
                reserve BOOLEAN, consent VARCHAR, user_agent VARCHAR)
            """);
        using var appender = _connection.CreateAppender("samples");
        for (var i = 0; i < data.Count; i++)
        {
            var s = data[i];
            appender.CreateRow()
                .AppendValue(i).AppendValue(s.Key).AppendValue(s.Url).AppendValue(s.Caption)
                .AppendValue(s.Width).AppendValue(s.Height).AppendValue(s.OriginalWidth).AppendValue(s.OriginalHeight)
                .AppendValue(s.Sha256).AppendValue(s.Image).AppendValue(s.MatchedEntryIds.Count > 0 ? s.MatchedEntryIds[0] : null)
                .AppendValue(s.KeptForEntry).AppendValue(s.KeepProbability).AppendValue(s.PerceptualHash).AppendValue(s.PageUrl)
                .AppendValue(s.FetchTime?.UtcDateTime).AppendValue(s.Reserve).AppendValue(s.Consent).AppendValue(s.UserAgent)
                .EndRow();
        }
    }

    /// <summary>DuckDB's worker threads (its default: one per core).</summary>
    public long Threads => Convert.ToInt64(Scalar("SELECT current_setting('threads')"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="files"/> equal slices of the rows to files in <paramref name="folder"/> and fsyncs each; returns the paths and the seconds taken.</summary>
    public (string[] Paths, double Seconds) Write(string folder, int files, int rowGroupRows)
    {
        Directory.CreateDirectory(folder);
        var paths = new string[files];
        var perFile = (_samples + files - 1) / files;
        var clock = Stopwatch.StartNew();
        for (var f = 0; f < files; f++)
        {
            paths[f] = Path.Combine(folder, $"part-{f:D5}.parquet");
            Execute($"""
                COPY (SELECT key, url, caption, width, height, original_width, original_height, sha256, jpg,
                             [matched_entry_id] AS matched_entry_ids, kept_for_entry, keep_probability, phash, page_url,
                             fetch_time::TIMESTAMPTZ AS fetch_time, reserve, consent, user_agent
                      FROM samples WHERE i >= {f * perFile} AND i < {(f + 1) * perFile})
                TO '{paths[f]}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE {rowGroupRows})
                """);
            using var file = new FileStream(paths[f], FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            file.Flush(flushToDisk: true);
        }

        return (paths, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Reads every row of <paramref name="paths"/> as samples; returns how many and the seconds taken.</summary>
    public (int Rows, double Seconds) Read(IReadOnlyList<string> paths)
    {
        var clock = Stopwatch.StartNew();
        using var command = _connection.CreateCommand();
        command.UseStreamingMode = true;
        command.CommandText = $"SELECT * FROM read_parquet([{string.Join(", ", paths.Select(p => $"'{p}'"))}])";
        using var reader = command.ExecuteReader();
        var rows = 0;
        long imageBytes = 0;
        while (reader.Read())
        {
            byte[] image;
            using (var blob = reader.GetStream(8))
            {
                image = GC.AllocateUninitializedArray<byte>(checked((int)blob.Length));
                blob.ReadExactly(image);
            }

            var sample = new Sample
            {
                Key = reader.GetString(0),
                Url = reader.GetString(1),
                Caption = reader.GetString(2),
                Width = reader.GetInt32(3),
                Height = reader.GetInt32(4),
                OriginalWidth = reader.GetInt32(5),
                OriginalHeight = reader.GetInt32(6),
                Sha256 = reader.GetString(7),
                Image = image,
                MatchedEntryIds = reader.GetFieldValue<List<int>>(9),
                KeptForEntry = reader.IsDBNull(10) ? null : reader.GetInt32(10),
                KeepProbability = reader.IsDBNull(11) ? null : reader.GetDouble(11),
                PerceptualHash = reader.IsDBNull(12) ? null : reader.GetFieldValue<ulong>(12),
                PageUrl = reader.IsDBNull(13) ? null : reader.GetString(13),
                FetchTime = reader.IsDBNull(14) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(14), DateTimeKind.Utc)),
                Reserve = reader.IsDBNull(15) ? null : reader.GetBoolean(15),
                Consent = reader.IsDBNull(16) ? null : reader.GetString(16),
                UserAgent = reader.IsDBNull(17) ? null : reader.GetString(17),
            };
            imageBytes += sample.Image.Length;
            rows++;
        }

        GC.KeepAlive(imageBytes);
        return (rows, clock.Elapsed.TotalSeconds);
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
