using static TorchSharp.torch;

namespace Pipeline.Trainer.Data;

/// <summary>
/// Training-time image augmentation: a random resized crop (torchvision's <c>RandomResizedCrop</c>: a share of the
/// picture's area between <see cref="MinScale"/> and 1, an aspect ratio between 3:4 and 4:3 that fits, anywhere in the picture)
/// and a horizontal flip of every second picture on average, resampled bilinearly to the model's size. The loader
/// decodes the pictures at <see cref="SourceSize"/>, twice the model's size, so that an uncropped picture averages
/// 2×2 pixels and a cropped one keeps its detail. The draws come from torch's CPU generator, which checkpoints save
/// and restore, so a resumed run augments as the uninterrupted run would have.
/// </summary>
public sealed class ImageAugmenter
{
    private static readonly double LogMinRatio = Math.Log(3.0 / 4.0);
    private static readonly double LogMaxRatio = Math.Log(4.0 / 3.0);

    /// <summary>An augmenter producing <paramref name="size"/>-pixel images, keeping at least <paramref name="minScale"/> of each picture's area.</summary>
    public ImageAugmenter(int size, double minScale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minScale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minScale, 1.0);
        Size = size;
        MinScale = minScale;
    }

    /// <summary>The side of the images <see cref="Apply"/> returns (the model's).</summary>
    public int Size { get; }

    /// <summary>The side the loader decodes pictures at for <see cref="Apply"/>.</summary>
    public int SourceSize => 2 * Size;

    /// <summary>The smallest share of a picture's area a crop keeps.</summary>
    public double MinScale { get; }

    /// <summary>A random crop and flip of each image of <paramref name="images"/> ([N, 3, SourceSize, SourceSize]), as [N, 3, Size, Size] on its device.</summary>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] != SourceSize || images.shape[3] != SourceSize)
        {
            throw new ArgumentException($"expected [N, C, {SourceSize}, {SourceSize}] images, got [{string.Join(", ", images.shape)}]", nameof(images));
        }

        var count = (int)images.shape[0];
        using var scope = NewDisposeScope();
        var draws = rand([count, 5], dtype: ScalarType.Float64).data<double>().ToArray();
        var theta = new float[count * 6];
        for (var i = 0; i < count; i++)
        {
            var u = draws.AsSpan(i * 5, 5);
            var area = MinScale + ((1 - MinScale) * u[0]);
            // An aspect ratio the crop fits the picture with: between area and 1 / area as well as 3:4 and 4:3.
            var low = Math.Max(LogMinRatio, Math.Log(area));
            var high = Math.Min(LogMaxRatio, -Math.Log(area));
            var ratio = Math.Exp(low + ((high - low) * u[1]));
            // Crop width and height as shares of the side; the affine grid maps the output's [-1, 1] into the crop.
            var width = Math.Min(1.0, Math.Sqrt(area * ratio));
            var height = Math.Min(1.0, Math.Sqrt(area / ratio));
            var x = (1 - width) * ((2 * u[2]) - 1);
            var y = (1 - height) * ((2 * u[3]) - 1);
            var flip = u[4] < 0.5 ? -1.0 : 1.0;
            theta[(i * 6) + 0] = (float)(width * flip);
            theta[(i * 6) + 2] = (float)x;
            theta[(i * 6) + 4] = (float)height;
            theta[(i * 6) + 5] = (float)y;
        }

        var affine = tensor(theta, [count, 2, 3]).to(images.device).to(images.dtype);
        var grid = nn.functional.affine_grid(affine, [count, images.shape[1], Size, Size], align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false).MoveToOuterDisposeScope();
    }
}
