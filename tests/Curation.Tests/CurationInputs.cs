using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using NetVips;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Curation.Tests;

/// <summary>Shard stores of real JPEG samples with known duplicates, and readers of what a curation step wrote.</summary>
internal static class CurationInputs
{
    public static Sample Sample(string url, string caption, byte[] jpeg)
    {
        using var header = Image.NewFromBuffer(jpeg);
        return new Sample
        {
            Key = SampleKey.Derive(url, caption),
            Url = url,
            Caption = caption,
            Width = header.Width,
            Height = header.Height,
            OriginalWidth = header.Width,
            OriginalHeight = header.Height,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(jpeg)),
            Image = jpeg,
        };
    }

    /// <summary>
    /// Twelve distinct photos plus copies: a double-size one (preferred over its original), a JPEG q50 one, a
    /// 2%-cropped one, the same URL with a tracking parameter, the same bytes and caption at another URL, the same
    /// bytes with another caption, and an undecodable truncated JPEG. Returns the samples and the expected drops.
    /// </summary>
    public static (List<Sample> Samples, Dictionary<string, (string Reason, string DuplicateOf)> Drops) WithDuplicates()
    {
        var samples = new List<Sample>();
        var photos = new Dictionary<int, byte[]>();
        for (var seed = 1; seed <= 12; seed++)
        {
            photos[seed] = SyntheticPhotos.Jpeg(seed);
            samples.Add(Sample($"https://photos.example.com/{seed}.jpg", $"photo number {seed} of a textured scene", photos[seed]));
        }

        var drops = new Dictionary<string, (string, string)>();
        // The rule: most original pixels, then the smaller key; an equal-sized copy with a smaller key wins.
        void Copy(Sample copy, string reason, string of)
        {
            samples.Add(copy);
            var original = samples.Find(s => s.Key == of);
            if (original is not null && (long)copy.OriginalWidth * copy.OriginalHeight == (long)original.OriginalWidth * original.OriginalHeight
                && string.CompareOrdinal(copy.Key, original.Key) < 0)
            {
                drops[original.Key] = (reason, copy.Key);
            }
            else
            {
                drops[copy.Key] = (reason, of);
            }
        }

        var bigger = Sample("https://cdn.example.net/1-large.jpg", "a larger copy of photo one", SyntheticPhotos.Resize(photos[1], 512));
        samples.Add(bigger);
        drops[samples[0].Key] = ("near_duplicate", bigger.Key);
        Copy(Sample("https://cdn.example.net/2-q50.jpg", "photo two, compressed", SyntheticPhotos.Reencode(photos[2], 50)), "near_duplicate", samples[1].Key);
        Copy(Sample("https://cdn.example.net/3-crop.jpg", "photo three, cropped", SyntheticPhotos.Crop(photos[3], 0.02, 0.02, 0.02, 0.02)), "near_duplicate", samples[2].Key);
        Copy(Sample("HTTPS://Photos.Example.com:443/4.jpg?utm_source=feed#top", "photo number 4 of a textured scene", photos[4]), "duplicate_url_caption", samples[3].Key);
        Copy(Sample("https://mirror.example.org/5.jpg", "photo  number 5 of a textured scene ", photos[5]), "duplicate_image_caption", samples[4].Key);
        Copy(Sample("https://mirror.example.org/6.jpg", "an entirely different caption", photos[6]), "near_duplicate", samples[5].Key);
        var broken = photos[7][..(photos[7].Length / 3)];
        var truncated = Sample("https://broken.example.org/7.jpg", "a truncated download", photos[7]) with { Image = broken, Sha256 = Convert.ToHexStringLower(SHA256.HashData(broken)) };
        samples.Add(truncated);
        drops[truncated.Key] = ("undecodable", "");
        return (samples, drops);
    }

    public static async Task WriteAsync(string folder, IEnumerable<Sample> samples, int perShard, string prefix = "in")
    {
        await using var writer = new ShardWriter(new LocalFolderStore(folder), new ShardWriterOptions { NamePrefix = prefix, TargetSamples = perShard, RowGroupSamples = 4 });
        foreach (var sample in samples)
        {
            await writer.WriteAsync(sample, CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    public static async Task<List<Sample>> ReadAllAsync(string folder)
    {
        var store = new LocalFolderStore(folder);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var all = new List<Sample>();
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                all.AddRange(await reader.ReadRowGroupAsync(g, CancellationToken.None));
            }
        }

        return all;
    }

    public static List<JsonElement> ReadDropped(string folder, string step) =>
        [.. Directory.EnumerateFiles(Path.Combine(folder, step, "dropped"), "*.jsonl.gz")
            .SelectMany(f =>
            {
                using var gzip = new GZipStream(File.OpenRead(f), CompressionMode.Decompress);
                using var reader = new StreamReader(gzip);
                return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            })];
}
