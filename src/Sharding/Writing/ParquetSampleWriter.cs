using Parquet;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Writing;

/// <summary>
/// One shard file being written: Parquet.Net writes row groups through a <see cref="ChecksummingStream"/> into a
/// staged write, so the byte range and XXH64 of every row group and the SHA-256 of the file are known at the end
/// without reading anything back. Text and numbers are Snappy-compressed; image bytes are stored as they are.
/// </summary>
internal sealed class ParquetSampleWriter : ISampleFileWriter
{
    /// <summary>Key of the Parquet key-value metadata that repeats the manifest's row-group checksums in the file.</summary>
    public const string RowGroupsMetadataKey = "pipeline.row_groups";

    private const int MagicLength = 4; // "PAR1" at the start of every Parquet file

    private readonly IStagedWrite _staged;
    private readonly ChecksummingStream _stream;
    // Parquet.Net's defaults for the dictionary check of text columns, restored after the image column.
    private static readonly ParquetOptions TextDictionary = new();

    private readonly ParquetOptions _options = new() { CompressionMethod = CompressionMethod.Snappy };
    private readonly SampleSchema _schema;
    private readonly List<RowGroupEntry> _rowGroups = [];
    private ParquetWriter? _writer;

    private ParquetSampleWriter(string name, IStagedWrite staged, SampleSchema schema)
    {
        Name = name;
        _staged = staged;
        _schema = schema;
        _stream = new ChecksummingStream(staged.Stream);
    }

    public string Name { get; }

    public string Path => _staged.Path;

    public long Samples { get; private set; }

    public long BytesWritten => _stream.Position;

    public static async Task<ParquetSampleWriter> CreateAsync(IShardStore store, string name, string path, SampleSchema schema, CancellationToken cancellationToken)
    {
        var staged = await store.BeginWriteAsync(path, cancellationToken);
        var file = new ParquetSampleWriter(name, staged, schema);
        try
        {
            file._writer = await ParquetWriter.CreateAsync(schema.Parquet, file._stream, file._options, cancellationToken: cancellationToken);
            if (file._stream.Position != MagicLength)
            {
                throw new InvalidOperationException($"Parquet writer wrote {file._stream.Position} bytes before the first row group, expected {MagicLength}");
            }

            file._stream.CloseSegment();
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public async Task WriteRowGroupAsync(IReadOnlyList<Sample> samples, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException("shard file is closed");
        using (var group = writer.CreateRowGroup())
        {
            await WriteColumnsAsync(group, samples, cancellationToken);
            group.CompleteValidate();
        }

        await _stream.FlushAsync(cancellationToken);
        var range = _stream.CloseSegment();
        _rowGroups.Add(new RowGroupEntry(range.Offset, range.Length, samples.Count, range.XxHash64));
        Samples += samples.Count;
    }

    public async Task<ShardEntry> FinishAsync(CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException("shard file is closed");
        writer.CustomMetadata = new Dictionary<string, string>
        {
            [RowGroupsMetadataKey] = string.Join(';', _rowGroups.Select(g => $"{g.Offset},{g.Length},{g.Rows},{g.XxHash64}")),
        };
        await writer.DisposeAsync();
        _writer = null;
        await _stream.FlushAsync(cancellationToken);
        var footer = _stream.CloseSegment();
        return new ShardEntry(Name, _staged.Path, Samples, _stream.Position, _stream.FinishSha256(), DateTimeOffset.UtcNow, _rowGroups, footer);
    }

    public Task PublishAsync(CancellationToken cancellationToken) => _staged.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
            }
        }
        catch (IOException)
        {
            // Abandoning a shard: its staged bytes are discarded below, so a failing footer write does not matter.
        }
        finally
        {
            try
            {
                await _stream.DisposeAsync();
            }
            finally
            {
                // Whatever failed above, the staging file goes.
                await _staged.DisposeAsync();
            }
        }
    }

    private async Task WriteColumnsAsync(ParquetRowGroupWriter group, IReadOnlyList<Sample> samples, CancellationToken cancellationToken)
    {
        var s = _schema;
        _options.CompressionMethod = CompressionMethod.Snappy;
        await group.WriteAsync(s.Key, Strings(samples, x => x.Key));
        await group.WriteAsync(s.Url, Strings(samples, x => x.Url));
        await group.WriteAsync(s.Caption, Strings(samples, x => x.Caption));
        await group.WriteAsync<int>(s.Width, Values(samples, x => x.Width), null, null, cancellationToken);
        await group.WriteAsync<int>(s.Height, Values(samples, x => x.Height), null, null, cancellationToken);
        await group.WriteAsync<int>(s.OriginalWidth, Values(samples, x => x.OriginalWidth), null, null, cancellationToken);
        await group.WriteAsync<int>(s.OriginalHeight, Values(samples, x => x.OriginalHeight), null, null, cancellationToken);
        await group.WriteAsync(s.Sha256, Strings(samples, x => x.Sha256));

        // Parquet.Net reads the codec and the dictionary settings from the options for each column chunk it writes,
        // so switching here gives per-column settings (tests check the chunk metadata): compressing JPEG/WebP again
        // only costs time, and so does its dictionary check, which would hash every image to find them all distinct.
        _options.CompressionMethod = CompressionMethod.None;
        _options.DictionaryEncodingSampleSize = 1;
        _options.DictionaryEncodingThreshold = 0;
        await group.WriteAsync(s.Image, samples.Select(x => x.Image).ToArray());
        _options.CompressionMethod = CompressionMethod.Snappy;
        _options.DictionaryEncodingSampleSize = TextDictionary.DictionaryEncodingSampleSize;
        _options.DictionaryEncodingThreshold = TextDictionary.DictionaryEncodingThreshold;

        await Int32ListColumn.WriteAsync(group, s.MatchedEntryId, samples.Select(x => x.MatchedEntryIds).ToArray(), cancellationToken);
        await group.WriteAsync<int>(s.KeptForEntry, Values(samples, x => x.KeptForEntry), null, null, cancellationToken);
        await group.WriteAsync<double>(s.KeepProbability, Values(samples, x => x.KeepProbability), null, null, cancellationToken);
        await group.WriteAsync<ulong>(s.PerceptualHash, Values(samples, x => x.PerceptualHash), null, null, cancellationToken);
        await group.WriteAsync(s.PageUrl, Strings(samples, x => x.PageUrl));
        await group.WriteAsync<DateTime>(s.FetchTime, Values(samples, x => x.FetchTime?.UtcDateTime), null, null, cancellationToken);
        await group.WriteAsync<bool>(s.Reserve, Values(samples, x => x.Reserve), null, null, cancellationToken);
        await group.WriteAsync(s.Consent, Strings(samples, x => x.Consent));
        await group.WriteAsync(s.UserAgent, Strings(samples, x => x.UserAgent));
    }

    private static string?[] Strings(IReadOnlyList<Sample> samples, Func<Sample, string?> select)
    {
        var result = new string?[samples.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = select(samples[i]);
        }

        return result;
    }

    private static T[] Values<T>(IReadOnlyList<Sample> samples, Func<Sample, T> select)
    {
        var result = new T[samples.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = select(samples[i]);
        }

        return result;
    }
}
