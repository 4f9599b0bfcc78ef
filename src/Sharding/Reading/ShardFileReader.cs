using System.IO.Hashing;
using Parquet;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Reading;

/// <summary>
/// Reads one committed shard by its manifest entry, fetching only what it needs: the footer once, then each
/// row group as one range read. Every fetched range is checked against the manifest's XXH64 before Parquet
/// sees it, so damage is reported as a <see cref="ShardCorruptException"/> naming the shard and row group.
/// Webdataset shards (<see cref="ShardEntry.FileFormat"/>) are read the same way: their row groups are runs of
/// tar members, decoded by <see cref="WebdatasetSampleDecoder"/>, and their footer is the end-of-archive blocks.
/// </summary>
public sealed class ShardFileReader : IAsyncDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private readonly IShardStore _store;
    private readonly LoadedRangesStream _file;
    private ParquetReader? _parquet;

    private ShardFileReader(IShardStore store, ShardEntry entry)
    {
        _store = store;
        Entry = entry;
        _file = new LoadedRangesStream(entry.Bytes);
    }

    public ShardEntry Entry { get; }

    /// <summary>The schema the file has; known after opening.</summary>
    public SampleSchema Schema { get; private set; } = SampleSchema.For(ImageEncoding.Jpg);

    /// <summary>Parquet's footer metadata (codecs, offsets, statistics), for inspection; null for a webdataset shard.</summary>
    public Parquet.Meta.FileMetaData? Metadata => _parquet?.Metadata;

    /// <summary>Checks the file's length, magic and footer against <paramref name="entry"/>, and reads the footer.</summary>
    /// <exception cref="ShardCorruptException">The file is missing, truncated, or its footer does not match.</exception>
    public static async Task<ShardFileReader> OpenAsync(IShardStore store, ShardEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(entry);
        var reader = new ShardFileReader(store, entry);
        try
        {
            await reader.OpenFooterAsync(cancellationToken);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads all rows of row group <paramref name="index"/>, verified.</summary>
    public async Task<Sample[]> ReadRowGroupAsync(int index, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Entry.RowGroups.Count);
        var group = Entry.RowGroups[index];
        var bytes = await FetchAsync(group.Offset, group.Length, group.XxHash64, index, cancellationToken);
        if (Entry.FileFormat == ShardFormat.Webdataset)
        {
            return await DecodeTarAsync(index, group, bytes, cancellationToken);
        }

        _file.Add(group.Offset, bytes);
        try
        {
            using var parquetGroup = _parquet!.OpenRowGroupReader(index);
            if (parquetGroup.RowCount != group.Rows)
            {
                throw Corrupt(index, group.Offset, $"the footer says {parquetGroup.RowCount} rows, the manifest {group.Rows}");
            }

            return await SampleColumns.ReadAsync(parquetGroup, Schema, cancellationToken);
        }
        catch (Exception ex) when (ex is not ShardCorruptException and not OperationCanceledException)
        {
            throw Corrupt(index, group.Offset, $"cannot decode: {ex.Message}", ex);
        }
        finally
        {
            _file.Remove(group.Offset);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_parquet is not null)
        {
            await _parquet.DisposeAsync();
        }

        await _file.DisposeAsync();
    }

    private async Task OpenFooterAsync(CancellationToken cancellationToken)
    {
        var length = await _store.GetLengthAsync(Entry.Path, cancellationToken)
            ?? throw Corrupt(null, null, "the file is missing");
        if (length != Entry.Bytes)
        {
            throw Corrupt(null, Math.Min(length, Entry.Bytes), $"the file is {length} bytes, the manifest says {Entry.Bytes} ({(length < Entry.Bytes ? "truncated" : "extended")})");
        }

        if (Entry.FileFormat == ShardFormat.Webdataset)
        {
            await OpenTarAsync(cancellationToken);
            return;
        }

        var head = new byte[Magic.Length];
        await _store.ReadRangeAsync(Entry.Path, 0, head, cancellationToken);
        if (!head.AsSpan().SequenceEqual(Magic))
        {
            throw Corrupt(null, 0, "the file does not start with Parquet's magic 'PAR1'");
        }

        _file.Add(0, head);
        var footer = Entry.Footer;
        _file.Add(footer.Offset, await FetchAsync(footer.Offset, footer.Length, footer.XxHash64, null, cancellationToken));
        try
        {
            _parquet = await ParquetReader.CreateAsync(_file, leaveStreamOpen: true, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Corrupt(null, footer.Offset, $"the footer cannot be read: {ex.Message}", ex);
        }

        Schema = SampleSchema.Match(_parquet.Schema, out var mismatch)
            ?? throw Corrupt(null, footer.Offset, $"not a sample schema: {mismatch}");
        if (_parquet.RowGroupCount != Entry.RowGroups.Count)
        {
            throw Corrupt(null, footer.Offset, $"the footer lists {_parquet.RowGroupCount} row groups, the manifest {Entry.RowGroups.Count}");
        }
    }

    /// <summary>Checks the end-of-archive blocks and learns the image encoding from the first member's name.</summary>
    private async Task OpenTarAsync(CancellationToken cancellationToken)
    {
        var footer = Entry.Footer;
        var end = await FetchAsync(footer.Offset, footer.Length, footer.XxHash64, null, cancellationToken);
        if (footer.Offset + footer.Length != Entry.Bytes || end.Length < 1024 || end.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw Corrupt(null, footer.Offset, "the tar does not end with its end-of-archive blocks");
        }

        if (Entry.RowGroups.Count == 0)
        {
            return;
        }

        // A ustar header: the name in bytes 0..100, "ustar" at 257; its extension is the shard's image encoding.
        var header = new byte[512];
        await _store.ReadRangeAsync(Entry.Path, 0, header, cancellationToken);
        if (!header.AsSpan(257, 5).SequenceEqual("ustar"u8))
        {
            throw Corrupt(null, 0, "the file does not start with a POSIX tar (ustar) header");
        }

        var name = System.Text.Encoding.UTF8.GetString(header.AsSpan(0, 100).TrimEnd((byte)0));
        var extension = name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..];
        if (header[156] == (byte)'x' || extension is not ("jpg" or "webp"))
        {
            // A PAX header or an unusual order: the first verified row group tells.
            var group = Entry.RowGroups[0];
            extension = await FirstImageExtensionAsync(await FetchAsync(group.Offset, group.Length, group.XxHash64, 0, cancellationToken), cancellationToken)
                ?? throw Corrupt(0, group.Offset, "no member is a .jpg or .webp image");
        }

        Schema = SampleSchema.For(SampleSchema.ParseColumnName(extension));
    }

    private static async Task<string?> FirstImageExtensionAsync(byte[] rowGroup, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(rowGroup, writable: false);
        await using var tar = new System.Formats.Tar.TarReader(stream);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var extension = System.IO.Path.GetExtension(entry.Name);
            if (extension is ".jpg" or ".webp")
            {
                return extension[1..];
            }
        }

        return null;
    }

    private async Task<Sample[]> DecodeTarAsync(int index, RowGroupEntry group, byte[] bytes, CancellationToken cancellationToken)
    {
        Sample[] samples;
        try
        {
            samples = await WebdatasetSampleDecoder.DecodeAsync(bytes, Schema.Encoding, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw Corrupt(index, group.Offset, $"cannot decode the tar members: {ex.Message}", ex);
        }

        if (samples.Length != group.Rows)
        {
            throw Corrupt(index, group.Offset, $"the tar members hold {samples.Length} samples, the manifest {group.Rows}");
        }

        return samples;
    }

    private async Task<byte[]> FetchAsync(long offset, long length, string xxHash64, int? rowGroup, CancellationToken cancellationToken)
    {
        if (length is < 0 or > int.MaxValue || offset < 0 || offset + length > Entry.Bytes)
        {
            throw Corrupt(rowGroup, offset, $"the manifest's range {offset}+{length} does not fit a {Entry.Bytes}-byte file");
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        await _store.ReadRangeAsync(Entry.Path, offset, bytes, cancellationToken);
        var actual = Convert.ToHexStringLower(XxHash64.Hash(bytes));
        if (actual != xxHash64)
        {
            throw Corrupt(rowGroup, offset, $"checksum mismatch in bytes {offset}..{offset + length} (XXH64 {actual}, the manifest says {xxHash64})");
        }

        return bytes;
    }

    private ShardCorruptException Corrupt(int? rowGroup, long? offset, string reason, Exception? inner = null) =>
        new(Entry.Name, _store.Describe(Entry.Path), rowGroup, offset, reason, inner);
}
