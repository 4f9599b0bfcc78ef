using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Sharding.Tests;

/// <summary>Samples with every column set in varied ways (nulls, empty lists, Unicode, extremes); image bytes are random but hashed.</summary>
internal static class TestSamples
{
    public static Sample Create(int index, int imageBytes = 2000)
    {
        var image = new byte[imageBytes + (index % 7)];
        new Random(index).NextBytes(image);
        return new Sample
        {
            Key = $"key-{index:D6}",
            Url = $"https://img.example.org/{index}.jpg?q=ü&x=\"{index}\"",
            Caption = index % 4 == 0 ? "" : $"Ein Bild – 写真 {index} 🦊 with \"quotes\", tabs\tand\nnewlines",
            Width = 100 + index,
            Height = 50 + (index % 13),
            OriginalWidth = 1000 + index,
            OriginalHeight = int.MaxValue - index,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)),
            Image = image,
            MatchedEntryIds = (index % 3) switch { 0 => [], 1 => [index], _ => [index, int.MaxValue, 0, -1] },
            KeptForEntry = index % 3 == 0 ? null : index,
            KeepProbability = index % 3 == 0 ? null : 1.0 / (index + 1),
            PerceptualHash = index % 5 == 0 ? null : index == 1 ? ulong.MaxValue : (ulong)index * 0x9E3779B97F4A7C15UL,
            PageUrl = index % 2 == 0 ? null : $"https://pages.example.org/{index}",
            FetchTime = index % 6 == 0 ? null : new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(index * 10L * 1234567),
            Reserve = index % 3 == 0 ? null : index % 2 == 0,
            Consent = index % 6 == 0 ? null : $"decision=allow;robots.txt=allow;tdmrep={(index % 2 == 0 ? "none" : "0")}",
            UserAgent = index % 6 == 0 ? null : "PipelineBot/1.0",
        };
    }

    /// <summary>Writes samples 0..count-1 and returns the commits.</summary>
    public static async Task<IReadOnlyList<ShardCommit>> WriteAsync(IShardStore store, int count, int shardSamples, int rowGroupSamples, string prefix = "part", int first = 0, ShardFormat format = ShardFormat.Parquet)
    {
        await using var writer = new ShardWriter(store, new ShardWriterOptions { NamePrefix = prefix, TargetSamples = shardSamples, RowGroupSamples = rowGroupSamples, Format = format });
        for (var i = first; i < first + count; i++)
        {
            await writer.WriteAsync(Create(i), CancellationToken.None);
        }

        return await writer.CompleteAsync(CancellationToken.None);
    }

    public static void AssertSame(Sample expected, Sample actual)
    {
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Url, actual.Url);
        Assert.Equal(expected.Caption, actual.Caption);
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        Assert.Equal(expected.OriginalWidth, actual.OriginalWidth);
        Assert.Equal(expected.OriginalHeight, actual.OriginalHeight);
        Assert.Equal(expected.Sha256, actual.Sha256);
        Assert.Equal(expected.Image, actual.Image);
        Assert.Equal(expected.MatchedEntryIds, actual.MatchedEntryIds);
        Assert.Equal(expected.KeptForEntry, actual.KeptForEntry);
        Assert.Equal(expected.Reserve, actual.Reserve);
        Assert.Equal(expected.KeepProbability, actual.KeepProbability);
        Assert.Equal(expected.PerceptualHash, actual.PerceptualHash);
        Assert.Equal(expected.PageUrl, actual.PageUrl);
        Assert.Equal(expected.FetchTime, actual.FetchTime);
        Assert.Equal(expected.Consent, actual.Consent);
        Assert.Equal(expected.UserAgent, actual.UserAgent);
    }
}
