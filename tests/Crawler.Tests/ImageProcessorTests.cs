using System.Security.Cryptography;
using NetVips;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Tests;

public class ImageProcessorTests
{
    [Theory]
    [InlineData(ResizeMode.No, 640, 480)]
    [InlineData(ResizeMode.Border, 256, 256)]
    [InlineData(ResizeMode.KeepRatio, 341, 256)]
    [InlineData(ResizeMode.KeepRatioLargest, 256, 192)]
    [InlineData(ResizeMode.CenterCrop, 256, 256)]
    public void Resizes_with_img2datasets_modes(ResizeMode mode, int width, int height)
    {
        var processor = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = mode });

        var image = processor.Process(TestImages.Jpeg(640, 480));

        Assert.Equal((width, height, 640, 480), (image.Width, image.Height, image.OriginalWidth, image.OriginalHeight));
        using var decoded = Image.NewFromBuffer(image.Bytes);
        Assert.Equal((width, height, 3), (decoded.Width, decoded.Height, decoded.Bands));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image.Bytes)), image.Sha256);
        Assert.Equal(SourceImageFormat.Jpeg, image.SourceFormat);
    }

    [Fact]
    public void Border_pads_with_black_and_keeps_the_picture_centred()
    {
        var image = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.Border }).Process(TestImages.Jpeg(640, 320));

        using var decoded = Image.NewFromBuffer(image.Bytes);
        Assert.True(decoded.Getpoint(128, 10)[0] < 10, "top band is black");
        Assert.True(decoded.Getpoint(250, 128)[0] > 200, "the right of the gradient is red");
    }

    [Fact]
    public void Resize_only_if_bigger_leaves_small_images_alone()
    {
        var image = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.CenterCrop, ResizeOnlyIfBigger = true }).Process(TestImages.Jpeg(100, 80));

        Assert.Equal((100, 80), (image.Width, image.Height));
    }

    [Fact]
    public void Flattens_transparency_onto_white_and_encodes_webp()
    {
        var image = new ImageProcessor(new ImageOptions { Size = 64, ResizeMode = ResizeMode.CenterCrop, Encoding = ImageEncoding.Webp, Quality = 80 }).Process(TestImages.TransparentPng(200, 100));

        Assert.Equal(SourceImageFormat.Png, image.SourceFormat);
        Assert.Equal(SourceImageFormat.Webp, ImageSniffer.Sniff(image.Bytes));
        using var decoded = Image.NewFromBuffer(image.Bytes);
        Assert.Equal(3, decoded.Bands);
        var pixel = decoded.Getpoint(32, 32);
        Assert.InRange(pixel[0], 240, 255);
        Assert.InRange(pixel[1], 110, 145);
    }

    [Fact]
    public void Refuses_a_decompression_bomb_from_its_header_before_decoding()
    {
        var bomb = TestImages.PngHeaderOnly(30000, 30000);
        var before = GC.GetTotalAllocatedBytes();

        var ex = Assert.Throws<ImageRejectedException>(() => new ImageProcessor(new ImageOptions()).Process(bomb));

        Assert.Equal(FetchErrorClass.ImageTooLarge, ex.ErrorClass);
        Assert.Contains("30000x30000", ex.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 10 << 20);
    }

    [Theory]
    [InlineData("<html><body>not an image</body></html>", FetchErrorClass.NotAnImage)]
    [InlineData("", FetchErrorClass.NotAnImage)]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", FetchErrorClass.NotAnImage)]
    public void Refuses_what_is_not_an_image(string text, FetchErrorClass expected)
    {
        var ex = Assert.Throws<ImageRejectedException>(() => new ImageProcessor(new ImageOptions()).Process(System.Text.Encoding.UTF8.GetBytes(text)));

        Assert.Equal(expected, ex.ErrorClass);
    }

    [Fact]
    public void Refuses_a_truncated_jpeg_as_a_decode_error()
    {
        var jpeg = TestImages.Jpeg(640, 480);

        var ex = Assert.Throws<ImageRejectedException>(() => new ImageProcessor(new ImageOptions { ResizeMode = ResizeMode.CenterCrop }).Process(jpeg[..(jpeg.Length / 2)]));

        Assert.Equal(FetchErrorClass.DecodeError, ex.ErrorClass);
    }

    [Fact]
    public void Refuses_images_below_the_minimum_side()
    {
        var ex = Assert.Throws<ImageRejectedException>(() => new ImageProcessor(new ImageOptions { MinSide = 100 }).Process(TestImages.Jpeg(300, 50)));

        Assert.Equal(FetchErrorClass.ImageTooSmall, ex.ErrorClass);
    }

    [Fact]
    public void Turns_a_jpeg_upright_by_its_exif_orientation()
    {
        // Stored 640x320, red on the left; orientation 6 shows it turned a quarter clockwise: 320x640, red on top.
        using var red = Image.Black(320, 320, bands: 3) + new double[] { 220, 20, 20 };
        using var blue = Image.Black(320, 320, bands: 3) + new double[] { 20, 20, 220 };
        using var joined = red.Join(blue, Enums.Direction.Horizontal);
        using var stored = joined.Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        using var oriented = stored.Mutate(m => m.Set(GValue.GIntType, "orientation", 6));
        var jpeg = oriented.JpegsaveBuffer(q: 90);

        var image = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.KeepRatioLargest }).Process(jpeg);

        using var decoded = Image.NewFromBuffer(image.Bytes);
        Assert.Equal((128, 256), (decoded.Width, decoded.Height));
        Assert.True(decoded.Getpoint(64, 20)[0] > 180 && decoded.Getpoint(64, 20)[2] < 80, "the top is red");
        Assert.True(decoded.Getpoint(64, 236)[2] > 180 && decoded.Getpoint(64, 236)[0] < 80, "the bottom is blue");
    }

    [Theory]
    [InlineData(1200, 900)]
    [InlineData(400, 700)]
    [InlineData(2300, 2100)]
    public void Centre_crop_of_a_jpeg_matches_libvips_thumbnail(int width, int height)
    {
        // Decoding at a reduced scale and resizing must give what libvips' own thumbnail gives, to within rounding and
        // the filters' difference (detail a cell of 50 across the picture; a shifted crop would differ by tens of levels).
        using var field = Image.Perlin(width, height, cellSize: width / 50, seed: 3);
        using var colour = (field * 100 + 128).Bandjoin(field * -80 + 120, field * 40 + 90);
        using var srgb = colour.Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        var jpeg = srgb.JpegsaveBuffer(q: 92);

        var image = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.CenterCrop, Quality = 100, ChromaSubsampling = false }).Process(jpeg);

        using var ours = Image.NewFromBuffer(image.Bytes);
        using var thumbnail = Image.ThumbnailBuffer(jpeg, 256, height: 256, size: Enums.Size.Both, crop: Enums.Interesting.Centre);
        Assert.Equal((256, 256), (ours.Width, ours.Height));
        using var difference = (ours.Cast(Enums.BandFormat.Float) - thumbnail.Cast(Enums.BandFormat.Float)).Abs();
        Assert.True(difference.Avg() < 4, $"mean difference from libvips' thumbnail {difference.Avg():F2} levels");
    }

    [Fact]
    public void Encodes_jpegs_with_chroma_subsampling_as_img2dataset_does_unless_told_not_to()
    {
        string Subsampling(bool subsample)
        {
            var image = new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.CenterCrop, ChromaSubsampling = subsample }).Process(TestImages.Jpeg(640, 480));
            using var decoded = Image.NewFromBuffer(image.Bytes);
            return (string)decoded.Get("jpeg-chroma-subsample");
        }

        Assert.Equal("4:2:0", Subsampling(true));
        Assert.Equal("4:4:4", Subsampling(false));
    }
}
