using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Tests;

/// <summary>Shards written before the <c>reserve</c> column existed stay readable, with no reserve flag.</summary>
public sealed class LegacySchemaTests
{
    [Fact]
    public async Task A_shard_without_the_reserve_column_reads_with_reserve_null_and_its_lineage_intact()
    {
        var current = SampleSchema.For(ImageEncoding.Jpg);
        var legacyFields = current.Parquet.Fields.Where(f => f.Name != "reserve").ToArray();
        Assert.Equal(current.Parquet.Fields.Count - 1, legacyFields.Length);
        var samples = Enumerable.Range(1, 3).Select(i => TestSamples.Create(i)).ToArray();

        using var file = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(legacyFields), file))
        {
            using var group = writer.CreateRowGroup();
            var ct = CancellationToken.None;
            await group.WriteAsync(current.Key, samples.Select(s => (string?)s.Key).ToArray());
            await group.WriteAsync(current.Url, samples.Select(s => (string?)s.Url).ToArray());
            await group.WriteAsync(current.Caption, samples.Select(s => (string?)s.Caption).ToArray());
            await group.WriteAsync<int>(current.Width, samples.Select(s => s.Width).ToArray(), null, null, ct);
            await group.WriteAsync<int>(current.Height, samples.Select(s => s.Height).ToArray(), null, null, ct);
            await group.WriteAsync<int>(current.OriginalWidth, samples.Select(s => s.OriginalWidth).ToArray(), null, null, ct);
            await group.WriteAsync<int>(current.OriginalHeight, samples.Select(s => s.OriginalHeight).ToArray(), null, null, ct);
            await group.WriteAsync(current.Sha256, samples.Select(s => (string?)s.Sha256).ToArray());
            await group.WriteAsync(current.Image, samples.Select(s => s.Image).ToArray());
            await Int32ListColumn.WriteAsync(group, current.MatchedEntryId, [.. samples.Select(s => s.MatchedEntryIds)], ct);
            await group.WriteAsync<int>(current.KeptForEntry, samples.Select(s => s.KeptForEntry).ToArray(), null, null, ct);
            await group.WriteAsync<double>(current.KeepProbability, samples.Select(s => s.KeepProbability).ToArray(), null, null, ct);
            await group.WriteAsync<ulong>(current.PerceptualHash, samples.Select(s => s.PerceptualHash).ToArray(), null, null, ct);
            await group.WriteAsync(current.PageUrl, samples.Select(s => s.PageUrl).ToArray());
            await group.WriteAsync<DateTime>(current.FetchTime, samples.Select(s => s.FetchTime?.UtcDateTime).ToArray(), null, null, ct);
        }

        file.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(file);
        var schema = SampleSchema.Match(reader.Schema, out var mismatch);
        Assert.True(schema is not null, mismatch);
        Assert.False(schema.HasReserve);
        using var rowGroup = reader.OpenRowGroupReader(0);
        var read = await SampleColumns.ReadAsync(rowGroup, schema, CancellationToken.None);

        Assert.Equal(samples.Length, read.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            TestSamples.AssertSame(samples[i] with { Reserve = null }, read[i]);
        }

        Assert.True(SampleSchema.Match(current.Parquet, out _)!.HasReserve);
    }
}
