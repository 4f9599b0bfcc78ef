using Parquet;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Reading;

/// <summary>Decodes one Parquet row group of the sample schema into <see cref="Sample"/> records.</summary>
internal static class SampleColumns
{
    public static async Task<Sample[]> ReadAsync(ParquetRowGroupReader group, SampleSchema schema, CancellationToken cancellationToken)
    {
        var n = checked((int)group.RowCount);
        var keys = await StringsAsync(group, schema.Key, n, cancellationToken);
        var urls = await StringsAsync(group, schema.Url, n, cancellationToken);
        var captions = await StringsAsync(group, schema.Caption, n, cancellationToken);
        var widths = await ValuesAsync<int>(group, schema.Width, n, cancellationToken);
        var heights = await ValuesAsync<int>(group, schema.Height, n, cancellationToken);
        var originalWidths = await ValuesAsync<int>(group, schema.OriginalWidth, n, cancellationToken);
        var originalHeights = await ValuesAsync<int>(group, schema.OriginalHeight, n, cancellationToken);
        var hashes = await StringsAsync(group, schema.Sha256, n, cancellationToken);
        var images = new byte[]?[n];
        await group.ReadAsync(schema.Image, images.AsMemory(), null, cancellationToken);
        var matched = await Int32ListColumn.ReadAsync(group, schema.MatchedEntryId, n, cancellationToken);
        var keptFor = await NullableAsync<int>(group, schema.KeptForEntry, n, cancellationToken);
        var keepProbabilities = await NullableAsync<double>(group, schema.KeepProbability, n, cancellationToken);
        var perceptualHashes = await NullableAsync<ulong>(group, schema.PerceptualHash, n, cancellationToken);
        var pageUrls = await StringsAsync(group, schema.PageUrl, n, cancellationToken);
        var fetchTimes = await NullableAsync<DateTime>(group, schema.FetchTime, n, cancellationToken);

        var samples = new Sample[n];
        for (var i = 0; i < n; i++)
        {
            samples[i] = new Sample
            {
                Key = keys[i] ?? throw new InvalidDataException($"row {i} has no key"),
                Url = urls[i] ?? "",
                Caption = captions[i] ?? "",
                Width = widths[i],
                Height = heights[i],
                OriginalWidth = originalWidths[i],
                OriginalHeight = originalHeights[i],
                Sha256 = hashes[i] ?? "",
                Image = images[i] ?? [],
                MatchedEntryIds = matched[i],
                KeptForEntry = keptFor[i],
                KeepProbability = keepProbabilities[i],
                PerceptualHash = perceptualHashes[i],
                PageUrl = pageUrls[i],
                FetchTime = fetchTimes[i] is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null,
            };
        }

        return samples;
    }

    private static async Task<string?[]> StringsAsync(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, CancellationToken cancellationToken)
    {
        var values = new string?[n];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    private static async Task<T[]> ValuesAsync<T>(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T[n];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    private static async Task<T?[]> NullableAsync<T>(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T?[n];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }
}
