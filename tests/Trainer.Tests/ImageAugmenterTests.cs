using Pipeline.Trainer.Data;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>The training images' random resized crop and flip: sizes, the uncropped case, and draws from torch's generator.</summary>
[Collection(nameof(TorchGeneratorIsolation))]
public sealed class ImageAugmenterTests
{
    [Fact]
    public void Images_at_twice_the_size_come_back_at_the_models_size_on_their_device()
    {
        using var scope = NewDisposeScope();
        var augmenter = new ImageAugmenter(size: 8, minScale: 0.3);

        var pictures = rand([5, 3, 16, 16]);
        var output = augmenter.Apply(pictures);

        Assert.Equal(16, augmenter.SourceSize);
        Assert.Equal([5L, 3, 8, 8], output.shape);
        Assert.Equal(pictures.device_type, output.device_type);
    }

    [Fact]
    public void A_whole_picture_crop_is_the_2x2_average_of_the_picture_or_of_its_mirror_image()
    {
        using var scope = NewDisposeScope();
        var augmenter = new ImageAugmenter(size: 4, minScale: 1.0);
        var picture = tensor(Enumerable.Range(0, 3 * 8 * 8).Select(i => (float)i).ToArray(), [1, 3, 8, 8]);
        var average = nn.functional.avg_pool2d(picture, 2);
        var mirrored = average.flip(3);

        manual_seed(7);
        var seen = new HashSet<bool>();
        for (var i = 0; i < 16; i++)
        {
            var output = augmenter.Apply(picture);
            var plain = output.allclose(average, rtol: 0, atol: 1e-3);
            Assert.True(plain || output.allclose(mirrored, rtol: 0, atol: 1e-3));
            seen.Add(plain);
        }

        Assert.Equal(2, seen.Count); // both flipped and unflipped
    }

    [Fact]
    public void The_same_seed_draws_the_same_crops_and_another_seed_other_ones()
    {
        using var scope = NewDisposeScope();
        var augmenter = new ImageAugmenter(size: 8, minScale: 0.2);
        var pictures = rand([4, 3, 16, 16]);

        manual_seed(1);
        var first = augmenter.Apply(pictures);
        manual_seed(1);
        var again = augmenter.Apply(pictures);
        manual_seed(2);
        var other = augmenter.Apply(pictures);

        Assert.True(first.equal(again).all().item<bool>());
        Assert.False(first.allclose(other));
    }

    [Fact]
    public void Images_of_another_size_are_refused()
    {
        using var scope = NewDisposeScope();
        var augmenter = new ImageAugmenter(size: 8, minScale: 0.5);

        Assert.Throws<ArgumentException>(() => augmenter.Apply(rand([2, 3, 8, 8])));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmenter(size: 8, minScale: 0));
    }
}
