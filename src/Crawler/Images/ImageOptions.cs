using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;

namespace Pipeline.Crawler.Images;

/// <summary>How fetched images are validated, resized and re-encoded (section <c>Crawler:Images</c>); defaults follow img2dataset where it has one.</summary>
public sealed record ImageOptions
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

    /// <summary>
    /// Encode JPEGs with 4:2:0 chroma subsampling at every quality, as img2dataset's OpenCV encoder does; off keeps full
    /// chroma (libvips' own default at quality 90 and above: about 40% larger files and slower encodes).
    /// </summary>
    public bool ChromaSubsampling { get; set; } = true;

    /// <summary>Most pixels an image may declare in its header; larger ones are refused before any decoding (PIL's bomb limit by default).</summary>
    public long MaxPixels { get; set; } = 89_478_485;

    /// <summary>Images whose smaller side is below this are refused (0 keeps all).</summary>
    public int MinSide { get; set; }

    /// <summary>Checks that the values are usable; the message names the one setting that is not.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        SettingRange.AtLeast(Key(nameof(Size)), Size, 1);
        SettingRange.Between(Key(nameof(Quality)), Quality, 1, 100);
        SettingRange.AtLeast(Key(nameof(MaxPixels)), MaxPixels, 1);
        SettingRange.AtLeast(Key(nameof(MinSide)), MinSide, 0);
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
