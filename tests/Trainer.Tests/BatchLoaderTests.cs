using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;
using Pipeline.Trainer.Data;
using Pipeline.Trainer.Synthetic;
using Pipeline.Trainer.Tokenization;

namespace Pipeline.Trainer.Tests;

public sealed class BatchLoaderTests
{
    [Fact]
    public async Task Undecodable_images_are_skipped_and_batches_stay_full()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var random = new Random(4);
        await using (var writer = new ShardWriter(store, new ShardWriterOptions { TargetSamples = 20, RowGroupSamples = 5 }))
        {
            for (var i = 0; i < 40; i++)
            {
                // Every fourth image is a truncated PNG.
                var image = ShapesDataset.Draw(i % 12, 32, random);
                image = i % 4 == 3 ? image[..(image.Length / 2)] : image;
                await writer.WriteAsync(new Sample { Key = $"k{i}", Url = $"https://x.invalid/{i}", Caption = ShapesDataset.Caption(i % 12, random), Width = 32, Height = 32, OriginalWidth = 32, OriginalHeight = 32, Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)), Image = image }, CancellationToken.None);
            }

            await writer.CompleteAsync(CancellationToken.None);
        }

        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var tokenizer = new ClipTokenizer(BpeTrainer.Train(["a red circle", "a blue square"], 600));
        var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 8 });
        await using var loader = new BatchLoader(reader, tokenizer, new ImagePreprocessor(32), new BatchLoaderOptions { GlobalBatch = 6, DecodeThreads = 2 }, null, NullLogger.Instance);

        var batches = new List<TrainingBatch>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            while (true)
            {
                batches.Add(await loader.NextAsync(CancellationToken.None));
            }
        });

        // 30 decodable samples make 5 full batches of 6; the 10 truncated ones are skipped and counted.
        Assert.Contains("ran out", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, batches.Count);
        Assert.All(batches, b => Assert.Equal(6, b.Count));
        Assert.Equal(10, batches.Sum(b => b.Skipped));
        Assert.All(batches, b => Assert.All(b.Images, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public async Task Webdataset_store_gives_the_batches_a_parquet_store_of_the_same_samples_gives()
    {
        using var folder = new TemporaryFolder();
        var tokenizer = new ClipTokenizer(BpeTrainer.Train(["a red circle", "a blue square"], 600));
        var batchesByFormat = new List<List<TrainingBatch>>();
        foreach (var format in new[] { ShardFormat.Parquet, ShardFormat.Webdataset })
        {
            var store = new LocalFolderStore(folder.Combine(format.ToString()));
            var random = new Random(5);
            await using (var writer = new ShardWriter(store, new ShardWriterOptions { TargetSamples = 20, RowGroupSamples = 5, Format = format }))
            {
                // Keys in write order, so the tars' key order keeps the Parquet row groups' contents.
                for (var i = 0; i < 40; i++)
                {
                    var image = ShapesDataset.Draw(i % 12, 32, random);
                    await writer.WriteAsync(new Sample { Key = $"k{i:D3}", Url = $"https://x.invalid/{i}", Caption = ShapesDataset.Caption(i % 12, random), Width = 32, Height = 32, OriginalWidth = 32, OriginalHeight = 32, Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)), Image = image }, CancellationToken.None);
                }

                await writer.CompleteAsync(CancellationToken.None);
            }

            var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
            Assert.All(manifest.Shards, s => Assert.Equal(format, s.FileFormat));
            var reader = new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 8, Seed = 9 });
            await using var loader = new BatchLoader(reader, tokenizer, new ImagePreprocessor(32), new BatchLoaderOptions { GlobalBatch = 8, DecodeThreads = 2 }, null, NullLogger.Instance);
            var batches = new List<TrainingBatch>();
            for (var b = 0; b < 5; b++)
            {
                batches.Add(await loader.NextAsync(CancellationToken.None));
            }

            batchesByFormat.Add(batches);
        }

        var (parquet, webdataset) = (batchesByFormat[0], batchesByFormat[1]);
        Assert.All(webdataset, b => Assert.Equal((8, 0), (b.Count, b.Skipped)));
        for (var b = 0; b < parquet.Count; b++)
        {
            Assert.Equal(parquet[b].Tokens, webdataset[b].Tokens);
            Assert.Equal(parquet[b].Images, webdataset[b].Images);
        }
    }

    [Fact]
    public void Pixels_are_normalised_with_clips_means_and_deviations_channel_first()
    {
        // A solid image: every pixel of each channel normalises to the same value.
        using var solid = NetVips.Image.Black(40, 20, bands: 3).NewFromImage(220, 30, 30).Cast(NetVips.Enums.BandFormat.Uchar);
        var pixels = new float[3 * 16 * 16];
        new ImagePreprocessor(16).Process(solid.PngsaveBuffer(), pixels);

        float[] expected = [(220 / 255f - 0.48145466f) / 0.26862954f, (30 / 255f - 0.4578275f) / 0.26130258f, (30 / 255f - 0.40821073f) / 0.27577711f];
        for (var c = 0; c < 3; c++)
        {
            Assert.All(pixels[(c * 256)..((c + 1) * 256)], v => Assert.Equal(expected[c], v, 4));
        }

        var error = Assert.Throws<InvalidDataException>(() => new ImagePreprocessor(16).Process([1, 2, 3], pixels));
        Assert.Contains("not a decodable image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rgb_pngs_take_a_managed_resize_that_matches_libvips_thumbnail_to_within_rounding()
    {
        // Square 8-bit RGB PNGs take the managed resize; non-square ones (fractional shrink, centre crop) vips_thumbnail itself.
        var random = new Random(7);
        var preprocessor = new ImagePreprocessor(32);
        var pixels = new float[preprocessor.Length];
        long identical = 0, total = 0, croppedDifferent = 0;
        var worst = 0.0;
        for (var i = 0; i < 48; i++)
        {
            var square = ShapesDataset.Draw(i % 12, 64, random);
            using var cropped = NetVips.Image.NewFromBuffer(square).ExtractArea(0, 8, 64, 48);
            foreach (var png in new[] { square, cropped.PngsaveBuffer() })
            {
                preprocessor.Process(png, pixels);
                using var thumbnail = NetVips.Image.ThumbnailBuffer(png, 32, height: 32, size: NetVips.Enums.Size.Both, crop: NetVips.Enums.Interesting.Centre);
                var expected = thumbnail.WriteToMemory<byte>();
                for (var p = 0; p < 32 * 32; p++)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        var want = ((expected[(p * 3) + c] / 255f) - ImagePreprocessor.Mean[c]) / ImagePreprocessor.Std[c];
                        var got = pixels[(c * 32 * 32) + p];
                        identical += want == got ? 1 : 0;
                        croppedDifferent += png != square && want != got ? 1 : 0;
                        total++;
                        worst = Math.Max(worst, Math.Abs(want - got) * ImagePreprocessor.Std[c] * 255);
                    }
                }
            }
        }

        // Most values are the same bytes; the rest differ by rounding, a few levels at most next to hard edges.
        Assert.Equal(0, croppedDifferent);
        Assert.True(identical >= 0.95 * total, $"{identical} of {total} identical");
        Assert.True(worst <= 16.5, $"worst difference {worst:F1} levels");
    }
}
