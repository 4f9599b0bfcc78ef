using Parquet;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Reading;

/// <summary>Decodes one Parquet row group of the sample schema into <see cref="Sample"/> records.</summary>
internal static class SampleColumns
{
    public static async Task<Sample[]> ReadAsync(ParquetRowGroupReader group, SampleSchema schema, CancellationToken cancellationToken)
    {
        var n = checked((int)group.RowCount);
        var keys = await RowGroupColumns.StringsAsync(group, schema.Key, n, cancellationToken);
        var urls = await RowGroupColumns.StringsAsync(group, schema.Url, n, cancellationToken);
        var captions = await RowGroupColumns.StringsAsync(group, schema.Caption, n, cancellationToken);
        var widths = await RowGroupColumns.ValuesAsync<int>(group, schema.Width, n, cancellationToken);
        var heights = await RowGroupColumns.ValuesAsync<int>(group, schema.Height, n, cancellationToken);
        var originalWidths = await RowGroupColumns.ValuesAsync<int>(group, schema.OriginalWidth, n, cancellationToken);
        var originalHeights = await RowGroupColumns.ValuesAsync<int>(group, schema.OriginalHeight, n, cancellationToken);
        var hashes = await RowGroupColumns.StringsAsync(group, schema.Sha256, n, cancellationToken);
        var images = new byte[]?[n];
        await group.ReadAsync(schema.Image, images.AsMemory(), null, cancellationToken);
        var matched = await Int32ListColumn.ReadAsync(group, schema.MatchedEntryId, n, cancellationToken);
        var keptFor = await RowGroupColumns.NullableAsync<int>(group, schema.KeptForEntry, n, cancellationToken);
        var keepProbabilities = await RowGroupColumns.NullableAsync<double>(group, schema.KeepProbability, n, cancellationToken);
        var perceptualHashes = await RowGroupColumns.NullableAsync<ulong>(group, schema.PerceptualHash, n, cancellationToken);
        var pageUrls = await RowGroupColumns.StringsAsync(group, schema.PageUrl, n, cancellationToken);
        var fetchTimes = await RowGroupColumns.NullableAsync<DateTime>(group, schema.FetchTime, n, cancellationToken);
        var reserves = schema.HasReserve ? await RowGroupColumns.NullableAsync<bool>(group, schema.Reserve, n, cancellationToken) : new bool?[n];
        var consents = schema.HasConsent ? await RowGroupColumns.StringsAsync(group, schema.Consent, n, cancellationToken) : new string?[n];
        var userAgents = schema.HasConsent ? await RowGroupColumns.StringsAsync(group, schema.UserAgent, n, cancellationToken) : new string?[n];

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
                Reserve = reserves[i],
                Consent = consents[i],
                UserAgent = userAgents[i],
            };
        }

        return samples;
    }
}
