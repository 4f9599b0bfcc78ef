using Parquet.Meta;
using ParquetSharp;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public sealed class ShardRoundTripTests
{
    [Fact]
    public async Task Every_column_survives_a_write_and_read()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var commits = await TestSamples.WriteAsync(store, 250, shardSamples: 100, rowGroupSamples: 30);

        Assert.Equal([100L, 100L, 50L], commits.Select(c => c.Entry.Samples));
        Assert.All(commits, c => Assert.Equal(CommitOutcome.Committed, c.Outcome));
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        Assert.Equal(["part-00000", "part-00001", "part-00002"], manifest.Shards.Select(s => s.Name));
        Assert.Equal("jpg", manifest.ImageColumn);

        var index = 0;
        foreach (var entry in manifest.Shards)
        {
            Assert.Equal(new FileInfo(store.Describe(entry.Path)).Length, entry.Bytes);
            await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, CancellationToken.None))
                {
                    TestSamples.AssertSame(TestSamples.Create(index++), sample);
                }
            }
        }

        Assert.Equal(250, index);
    }

    [Fact]
    public async Task Image_bytes_are_stored_uncompressed_and_text_is_compressed()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var commit = (await TestSamples.WriteAsync(store, 40, shardSamples: 100, rowGroupSamples: 20)).Single();
        await using var reader = await ShardFileReader.OpenAsync(store, commit.Entry, CancellationToken.None);
        var codecs = reader.Metadata!.RowGroups[0].Columns.ToDictionary(c => string.Join('.', c.MetaData!.PathInSchema), c => c.MetaData!.Codec);
        Assert.Equal(CompressionCodec.UNCOMPRESSED, codecs["jpg"]);
        Assert.Equal(CompressionCodec.SNAPPY, codecs["caption"]);
        Assert.Equal(CompressionCodec.SNAPPY, codecs["url"]);
        Assert.Equal(CompressionCodec.SNAPPY, codecs["matched_entry_ids.list.element"]);
    }

    [Fact]
    public async Task Image_bytes_are_plain_encoded_even_when_they_repeat_and_read_back_through_ParquetSharp()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var image = TestSamples.Create(0).Image;
        ShardCommit commit;
        await using (var writer = new ShardWriter(store, new ShardWriterOptions { TargetSamples = 100, RowGroupSamples = 20 }))
        {
            for (var i = 0; i < 40; i++)
            {
                await writer.WriteAsync(TestSamples.Create(i) with { Image = image, Sha256 = TestSamples.Create(0).Sha256 }, CancellationToken.None);
            }

            commit = (await writer.CompleteAsync(CancellationToken.None)).Single();
        }

        await using var reader = await ShardFileReader.OpenAsync(store, commit.Entry, CancellationToken.None);
        var jpg = reader.Metadata!.RowGroups[0].Columns.Single(c => c.MetaData!.PathInSchema.SequenceEqual(["jpg"])).MetaData!;
        Assert.Null(jpg.DictionaryPageOffset);
        Assert.DoesNotContain(Parquet.Meta.Encoding.RLE_DICTIONARY, jpg.Encodings);
        Assert.DoesNotContain(Parquet.Meta.Encoding.PLAIN_DICTIONARY, jpg.Encodings);
        Assert.All(await reader.ReadRowGroupAsync(1, CancellationToken.None), s => Assert.Equal(image, s.Image));

        using var file = new ParquetFileReader(store.Describe(commit.Entry.Path));
        using var group = file.RowGroup(1);
        Assert.All(Read<byte[]>(group, file.FileMetaData.Schema, "jpg", 20), bytes => Assert.Equal(image, bytes));
    }

    [Fact]
    public async Task Apache_Arrow_reads_our_shards_through_ParquetSharp()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var entry = (await TestSamples.WriteAsync(store, 90, shardSamples: 1000, rowGroupSamples: 40)).Single().Entry;

        using var file = new ParquetFileReader(store.Describe(entry.Path));
        Assert.Equal(3, file.FileMetaData.NumRowGroups);
        var schema = file.FileMetaData.Schema;
        var index = 0;
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            var rows = checked((int)group.MetaData.NumRows);
            var keys = Read<string>(group, schema, "key", rows);
            var captions = Read<string>(group, schema, "caption", rows);
            var widths = Read<int>(group, schema, "width", rows);
            var images = Read<byte[]>(group, schema, "jpg", rows);
            var matched = Read<int[]>(group, schema, "matched_entry_ids.list.element", rows);
            var keptFor = Read<int?>(group, schema, "kept_for_entry", rows);
            var hashes = Read<ulong?>(group, schema, "phash", rows);
            var pages = Read<string?>(group, schema, "page_url", rows);
            var times = Read<DateTime?>(group, schema, "fetch_time", rows);
            var reserves = Read<bool?>(group, schema, "reserve", rows);
            for (var r = 0; r < rows; r++, index++)
            {
                var expected = TestSamples.Create(index);
                Assert.Equal(expected.Key, keys[r]);
                Assert.Equal(expected.Caption, captions[r]);
                Assert.Equal(expected.Width, widths[r]);
                Assert.Equal(expected.Image, images[r]);
                Assert.Equal(expected.MatchedEntryIds, matched[r]);
                Assert.Equal(expected.KeptForEntry, keptFor[r]);
                Assert.Equal(expected.PerceptualHash, hashes[r]);
                Assert.Equal(expected.PageUrl, pages[r]);
                Assert.Equal(expected.FetchTime?.UtcDateTime, times[r]);
                Assert.Equal(expected.Reserve, reserves[r]);
            }
        }

        Assert.Equal(90, index);
    }

    private static T[] Read<T>(RowGroupReader group, SchemaDescriptor schema, string path, int rows)
    {
        using var column = group.Column(schema.ColumnIndex(path)).LogicalReader<T>();
        return column.ReadAll(rows);
    }
}
