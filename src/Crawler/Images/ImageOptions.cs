using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Images;

/// <summary>How fetched images are validated, resized and re-encoded (section <c>Crawler:Images</c>); defaults follow img2dataset where it has one.</summary>
public sealed class ImageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Images";

    /// <summary>Target size in pixels (see <see cref="ResizeMode"/>).</summary>
    public int Size { get; set; } = 256;

    /// <summary>How to reach <see cref="Size"/>.</summary>
    public ResizeMode ResizeMode { get; set; } = ResizeMode.Border;

    /// <summary>Leave images that are already small enough at their size instead of enlarging them.</summary>
    public bool ResizeOnlyIfBigger { get; set; }

    /// <summary>Encoding of the stored image.</summary>
    public ImageEncoding Encoding { get; set; } = ImageEncoding.Jpg;

    /// <summary>JPEG or WebP quality, 1 to 100.</summary>
    public int Quality { get; set; } = 95;

    /// <summary>Most pixels an image may declare in its header; larger ones are refused before any decoding (PIL's bomb limit by default).</summary>
    public long MaxPixels { get; set; } = 89_478_485;

    /// <summary>Images whose smaller side is below this are refused (0 keeps all).</summary>
    public int MinSide { get; set; }

    /// <summary>Checks that the values are usable.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Size < 1 || Quality is < 1 or > 100 || MaxPixels < 1 || MinSide < 0)
        {
            throw new ArgumentException($"{Section}: Size and MaxPixels must be at least 1, Quality 1 to 100, MinSide at least 0");
        }
    }
}
