using System.Formats.Tar;
using System.Text;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Writing;

/// <summary>
/// One webdataset shard being written: per sample the tar members <c>KEY.jpg</c> (or <c>.webp</c>), <c>KEY.json</c>
/// (<see cref="SampleJson"/>) and <c>KEY.txt</c> (the caption), POSIX ustar (PAX where a name is too long), samples
/// in key order. Samples arrive in any order, so their members are tarred into a local spill file as they come and
/// copied into the staged write in key order at the end: memory holds only keys and offsets, whatever the shard's
/// size. The copy goes through a <see cref="ChecksummingStream"/>, cut into the same row groups (runs of samples)
/// the Parquet writer would make, each a byte range with its XXH64; the end-of-archive blocks are the footer.
/// </summary>
internal sealed class WebdatasetSampleWriter : ISampleFileWriter
{
    /// <summary>Bytes of a tar's end-of-archive marker (two zero blocks).</summary>
    public const int EndOfArchiveLength = 1024;

    private const int UstarNameLimit = 100;
    private const UnixFileMode MemberMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly IStagedWrite _staged;
    private readonly ChecksummingStream _stream;
    private readonly SampleSchema _schema;
    private readonly FileStream _spill;
    private readonly TarWriter _tar;
    private readonly List<SpilledSample> _spilled = [];
    private readonly List<int> _rowGroupSizes = [];

    private WebdatasetSampleWriter(string name, IStagedWrite staged, SampleSchema schema, FileStream spill)
    {
        Name = name;
        _staged = staged;
        _schema = schema;
        _stream = new ChecksummingStream(staged.Stream);
        _spill = spill;
        _tar = new TarWriter(spill, TarEntryFormat.Ustar, leaveOpen: true);
    }

    public string Name { get; }

    public string Path => _staged.Path;

    public long Samples => _spilled.Count;

    public long BytesWritten => _spill.Length + EndOfArchiveLength;

    public static async Task<WebdatasetSampleWriter> CreateAsync(IShardStore store, string name, string path, SampleSchema schema, CancellationToken cancellationToken)
    {
        var spillPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pipeline-wds-{Guid.NewGuid():N}.spill");
        var spill = new FileStream(spillPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        IStagedWrite staged;
        try
        {
            staged = await store.BeginWriteAsync(path, cancellationToken);
        }
        catch
        {
            await spill.DisposeAsync();
            throw;
        }

        return new WebdatasetSampleWriter(name, staged, schema, spill);
    }

    public async Task WriteRowGroupAsync(IReadOnlyList<Sample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var image = SampleSchema.ColumnName(_schema.Encoding);
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (sample.Key.Length == 0 || sample.Key.AsSpan().IndexOfAny("./\\\0") >= 0)
            {
                throw new ArgumentException($"sample '{sample.Key}': a webdataset key must be non-empty without '.', '/', '\\' or NUL (the key is the member name up to its first dot)", nameof(samples));
            }

            var offset = _spill.Position;
            await WriteMemberAsync($"{sample.Key}.{image}", sample.Image, cancellationToken);
            await WriteMemberAsync($"{sample.Key}.json", SampleJson.Write(sample, _schema), cancellationToken);
            await WriteMemberAsync($"{sample.Key}.txt", Encoding.UTF8.GetBytes(sample.Caption), cancellationToken);
            _spilled.Add(new SpilledSample(sample.Key, offset, checked((int)(_spill.Position - offset))));
        }

        _rowGroupSizes.Add(samples.Count);
    }

    public async Task<ShardEntry> FinishAsync(CancellationToken cancellationToken)
    {
        _spilled.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        for (var i = 1; i < _spilled.Count; i++)
        {
            if (_spilled[i].Key == _spilled[i - 1].Key)
            {
                throw new ArgumentException($"shard {Name} holds sample '{_spilled[i].Key}' twice; a webdataset tar needs unique keys");
            }
        }

        var rowGroups = new List<RowGroupEntry>(_rowGroupSizes.Count);
        var buffer = Array.Empty<byte>();
        var next = 0;
        foreach (var size in _rowGroupSizes)
        {
            for (var i = next; i < next + size; i++)
            {
                var member = _spilled[i];
                if (buffer.Length < member.Length)
                {
                    buffer = new byte[Math.Max(member.Length, buffer.Length * 2)];
                }

                _spill.Position = member.Offset;
                await _spill.ReadExactlyAsync(buffer.AsMemory(0, member.Length), cancellationToken);
                await _stream.WriteAsync(buffer.AsMemory(0, member.Length), cancellationToken);
            }

            await _stream.FlushAsync(cancellationToken);
            var range = _stream.CloseSegment();
            rowGroups.Add(new RowGroupEntry(range.Offset, range.Length, size, range.XxHash64));
            next += size;
        }

        await _stream.WriteAsync(new byte[EndOfArchiveLength], cancellationToken);
        await _stream.FlushAsync(cancellationToken);
        var footer = _stream.CloseSegment();
        return new ShardEntry(Name, _staged.Path, _spilled.Count, _stream.Position, _stream.FinishSha256(), DateTimeOffset.UtcNow, rowGroups, footer, ShardFormat.Webdataset);
    }

    public Task PublishAsync(CancellationToken cancellationToken) => _staged.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                // Writes the spill's end-of-archive blocks, which are never copied; a full disk here does not matter.
                await _tar.DisposeAsync();
            }
            catch (IOException)
            {
            }

            await _spill.DisposeAsync();
            await _stream.DisposeAsync();
        }
        finally
        {
            // Whatever failed above, the staging file goes.
            await _staged.DisposeAsync();
        }
    }

    /// <summary>One member with a fixed time, owner and mode, so the same samples always give the same bytes (and checksums).</summary>
    private async Task WriteMemberAsync(string name, byte[] content, CancellationToken cancellationToken)
    {
        TarEntry entry = name.Length <= UstarNameLimit && Ascii.IsValid(name)
            ? new UstarTarEntry(TarEntryType.RegularFile, name)
            : new PaxTarEntry(TarEntryType.RegularFile, name);
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Mode = MemberMode;
        using var data = new MemoryStream(content, writable: false);
        entry.DataStream = data;
        await _tar.WriteEntryAsync(entry, cancellationToken);
    }

    /// <summary>Where a sample's members lie in the spill file.</summary>
    private sealed record SpilledSample(string Key, long Offset, int Length);
}
