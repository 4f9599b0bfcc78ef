using Pipeline.Curation.Dedup;
using Pipeline.Curation.Jobs;
using Xunit.Abstractions;

namespace Pipeline.Curation.Tests;

public sealed class PerceptualHashTests(ITestOutputHelper log)
{
    private static readonly int Limit = new DedupOptions().MaxDistance;

    [Fact]
    public void Resized_reencoded_and_slightly_cropped_copies_stay_within_the_default_distance()
    {
        var worst = new Dictionary<string, int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            var original = SyntheticPhotos.Jpeg(seed);
            var hash = PerceptualHash.Compute(original);
            var copies = new Dictionary<string, byte[]>
            {
                ["half size"] = SyntheticPhotos.Resize(original, 128),
                ["double size"] = SyntheticPhotos.Resize(original, 512),
                ["quarter size"] = SyntheticPhotos.Resize(original, 64),
                ["jpeg q50"] = SyntheticPhotos.Reencode(original, 50),
                ["jpeg q75"] = SyntheticPhotos.Reencode(original, 75),
                ["jpeg q95"] = SyntheticPhotos.Reencode(original, 95),
                ["crop 2% each side"] = SyntheticPhotos.Crop(original, 0.02, 0.02, 0.02, 0.02),
                ["crop 2% left and top"] = SyntheticPhotos.Crop(original, 0.02, 0.02, 0, 0),
                ["crop 2% right"] = SyntheticPhotos.Crop(original, 0, 0, 0.02, 0),
            };
            foreach (var (name, copy) in copies)
            {
                var distance = PerceptualHash.Distance(hash, PerceptualHash.Compute(copy));
                worst[name] = Math.Max(worst.GetValueOrDefault(name), distance);
            }
        }

        foreach (var (name, distance) in worst)
        {
            log.WriteLine($"{name}: worst distance {distance} over 40 images (limit {Limit})");
        }

        Assert.All(worst, w => Assert.True(w.Value <= Limit, $"{w.Key}: distance {w.Value} > {Limit}"));
    }

    [Fact]
    public void Ten_thousand_distinct_images_rarely_fall_within_the_default_distance()
    {
        const int count = 10_000;
        var hashes = new ulong[count];
        Parallel.For(0, count, i => hashes[i] = PerceptualHash.Compute(SyntheticPhotos.Jpeg(1_000_000 + i, 96, 72, quality: 85)));

        long pairs = 0, falsePairs = 0;
        var withNeighbour = new bool[count];
        for (var i = 0; i < count; i++)
        {
            for (var j = i + 1; j < count; j++)
            {
                pairs++;
                if (PerceptualHash.Distance(hashes[i], hashes[j]) <= Limit)
                {
                    falsePairs++;
                    withNeighbour[i] = withNeighbour[j] = true;
                }
            }
        }

        for (var k = 6; k <= 12; k += 2)
        {
            var within = 0L;
            var hit = new bool[count];
            for (var i = 0; i < count; i++)
            {
                for (var j = i + 1; j < count; j++)
                {
                    if (PerceptualHash.Distance(hashes[i], hashes[j]) <= k)
                    {
                        within++;
                        hit[i] = hit[j] = true;
                    }
                }
            }

            log.WriteLine($"k={k}: {within} pairs, {hit.Count(x => x)} images");
        }

        var images = withNeighbour.Count(x => x);
        log.WriteLine($"distinct images: {count}, pairs within {Limit}: {falsePairs} of {pairs} ({(double)falsePairs / pairs:E2}), images with a false neighbour: {images} ({(double)images / count:P2})");
        Assert.True(images <= count / 1000, $"{images} of {count} distinct images have a false near duplicate");
    }

    [Fact]
    public void Hash_matches_the_imagehash_definition_on_a_known_pattern()
    {
        // Left half black, right half white: the DCT's energy sits in odd horizontal frequencies of row 0.
        var pixels = new byte[32 * 32];
        for (var y = 0; y < 32; y++)
        {
            for (var x = 16; x < 32; x++)
            {
                pixels[(y * 32) + x] = 255;
            }
        }

        var hash = PerceptualHash.FromPixels(pixels);

        // DC (bit 63) is positive; the horizontal fundamental (bit 62) is negative: left is dark.
        Assert.Equal(1UL, hash >> 63);
        Assert.Equal(0UL, (hash >> 62) & 1);
        Assert.Equal(hash, PerceptualHash.FromPixels(pixels));
    }

    [Fact]
    public void An_undecodable_image_is_an_argument_error_naming_its_size()
    {
        var ex = Assert.Throws<ArgumentException>(() => PerceptualHash.Compute([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]));
        Assert.Contains("7 bytes", ex.Message, StringComparison.Ordinal);
    }
}
