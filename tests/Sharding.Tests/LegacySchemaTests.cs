using Parquet;
using Parquet.Schema;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Tests;

/// <summary>Shards written before an optional trailing column existed (<c>reserve</c>, <c>consent</c>, <c>user_agent</c>) stay readable, with it null.</summary>
public sealed class LegacySchemaTests
{
    [Fact]
    public async Task A_shard_without_the_reserve_column_reads_with_reserve_null_and_its_lineage_intact()
    {
        var schema = await ReadBackAsync(optionalColumns: 0, (samples, read) =>
        {
            for (var i = 0; i < samples.Length; i++)
            {
                TestSamples.AssertSame(samples[i] with { Reserve = null }, read[i]);
            }
        });

        Assert.False(schema.HasReserve);
        Assert.True(SampleSchema.Match(SampleSchema.For(ImageEncoding.Jpg).Parquet, out _)!.HasReserve);
    }

    [Fact]
    public async Task A_shard_without_the_consent_columns_reads_with_consent_and_user_agent_null_and_reserve_intact()
    {
        var schema = await ReadBackAsync(optionalColumns: 1, (samples, read) =>
        {
            for (var i = 0; i < samples.Length; i++)
            {
                TestSamples.AssertSame(samples[i], read[i]);
                Assert.Null(read[i].Consent);
                Assert.Null(read[i].UserAgent);
            }
        });

        Assert.True(schema.HasReserve);
        Assert.False(schema.HasConsent);
        Assert.True(SampleSchema.Match(SampleSchema.For(ImageEncoding.Jpg).Parquet, out _)!.HasConsent);
    }

    [Fact]
    public void A_schema_with_an_unknown_trailing_column_is_refused()
    {
        var current = SampleSchema.For(ImageEncoding.Jpg);
        var schema = new ParquetSchema([.. current.Parquet.Fields, new DataField<string>("surprise")]);

        Assert.Null(SampleSchema.Match(schema, out var mismatch));
        Assert.Contains("columns", mismatch, StringComparison.Ordinal);
    }

    /// <summary>Writes three samples in the schema that had only the first <paramref name="optionalColumns"/> optional columns, then reads them back.</summary>
    private static async Task<SampleSchema> ReadBackAsync(int optionalColumns, Action<Sample[], Sample[]> check)
    {
        var current = SampleSchema.For(ImageEncoding.Jpg);
        var optional = new[] { "reserve", "consent", "user_agent" };
        var legacyFields = current.Parquet.Fields.Where(f => !optional.Skip(optionalColumns).Contains(f.Name)).ToArray();
        Assert.Equal(current.Parquet.Fields.Count - optional.Length + optionalColumns, legacyFields.Length);
        var samples = Enumerable.Range(1, 3).Select(i => TestSamples.Create(i) with { Reserve = i % 2 == 0, Consent = "decision=allow", UserAgent = "ua" }).ToArray();

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
            if (optionalColumns >= 1)
            {
                await group.WriteAsync<bool>(current.Reserve, samples.Select(s => s.Reserve).ToArray(), null, null, ct);
            }
        }

        file.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(file);
        var schema = SampleSchema.Match(reader.Schema, out var mismatch);
        Assert.True(schema is not null, mismatch);
        Assert.Equal(optionalColumns, schema.OptionalColumns);
        using var rowGroup = reader.OpenRowGroupReader(0);
        var read = await SampleColumns.ReadAsync(rowGroup, schema, CancellationToken.None);
        Assert.Equal(samples.Length, read.Length);
        check([.. samples.Select(s => s with { Consent = null, UserAgent = null })], read);
        return schema;
    }
}
