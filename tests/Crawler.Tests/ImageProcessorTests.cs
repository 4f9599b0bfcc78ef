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
}
