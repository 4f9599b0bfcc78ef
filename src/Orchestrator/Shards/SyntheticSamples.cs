using System.Security.Cryptography;
using System.Text;
using Pipeline.Crawler.Images;
using Pipeline.Sharding.Samples;

namespace Pipeline.Orchestrator.Shards;

/// <summary>
/// Deterministic synthetic samples (gradient JPEGs with made-up captions and lineage) for trying the shard
/// tools, benchmarks and crash tests without a crawl. The same seed and index always give the same sample.
/// </summary>
public sealed class SyntheticSamples(int side, ulong seed)
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Subjects = ["a red fox", "two boats", "a mountain lake", "an old map", "a bowl of fruit", "a city at night", "a violin", "a sleeping cat"];
    private readonly Dictionary<(int, int), (byte[] Bytes, string Sha256)> _images = [];

    public Sample Create(long index)
    {
        // Eight sizes around the requested side, so images differ without encoding a new JPEG per sample.
        var width = side + (int)(index % 8) * 4;
        var height = side + (int)((index / 8) % 8) * 4;
        if (!_images.TryGetValue((width, height), out var image))
        {
            var bytes = TestPattern.GradientJpeg(width, height);
            image = (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            _images[(width, height)] = image;
        }

        var subject = Subjects[(int)((index + (long)(seed % 8)) % Subjects.Length)];
        var url = $"https://images.example.org/{seed}/{index}.jpg";
        var caption = $"{subject}, picture {index}";
        return new Sample
        {
            Key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{url}\n{caption}")))[..16],
            Url = url,
            Caption = caption,
            Width = width,
            Height = height,
            OriginalWidth = width * 4,
            OriginalHeight = height * 4,
            Sha256 = image.Sha256,
            Image = image.Bytes,
            MatchedEntryIds = index % 5 == 0 ? [] : [(int)(index % 1000), (int)((index * 7) % 1000)],
            KeptForEntry = index % 5 == 0 ? null : (int)(index % 1000),
            KeepProbability = index % 5 == 0 ? null : 1.0 / (1 + (index % 10)),
            PerceptualHash = (ulong)index * 0x9E3779B97F4A7C15UL,
            PageUrl = index % 3 == 0 ? null : $"https://pages.example.org/{index / 10}.html",
            FetchTime = Epoch.AddSeconds(index),
        };
    }
}
