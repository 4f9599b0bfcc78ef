using NetVips;
using Pipeline.Crawler.Images;

namespace Pipeline.Crawler.Tests;

public class ImageThumbnailerTests
{
    [Fact]
    public void Fits_a_landscape_image_inside_the_box_keeping_its_aspect_ratio()
    {
        var source = TestPattern.GradientJpeg(640, 480);

        var thumbnail = ImageThumbnailer.Create(source, maxSide: 128);

        Assert.Equal((640, 480), (thumbnail.OriginalWidth, thumbnail.OriginalHeight));
        Assert.Equal((128, 96), (thumbnail.Width, thumbnail.Height));
        Assert.Equal([0xFF, 0xD8], thumbnail.Jpeg[..2]);
        using var decoded = Image.NewFromBuffer(thumbnail.Jpeg);
        Assert.Equal((128, 96, 3), (decoded.Width, decoded.Height, decoded.Bands));
    }

    [Fact]
    public void Fits_a_portrait_image_by_its_height()
    {
        var thumbnail = ImageThumbnailer.Create(TestPattern.GradientJpeg(300, 900), maxSide: 90);

        Assert.Equal((30, 90), (thumbnail.Width, thumbnail.Height));
    }

    [Fact]
    public void Never_enlarges_an_image_smaller_than_the_box()
    {
        var thumbnail = ImageThumbnailer.Create(TestPattern.GradientJpeg(50, 40), maxSide: 128);

        Assert.Equal((50, 40), (thumbnail.Width, thumbnail.Height));
    }

    [Fact]
    public void Keeps_the_picture_content_when_shrinking()
    {
        var thumbnail = ImageThumbnailer.Create(TestPattern.GradientJpeg(640, 480), maxSide: 64);

        using var decoded = Image.NewFromBuffer(thumbnail.Jpeg);
        // The gradient's red channel grows to the right and green grows downwards; a blank or scrambled
        // thumbnail would not keep that.
        var topLeft = decoded.Getpoint(1, 1);
        var topRight = decoded.Getpoint(decoded.Width - 2, 1);
        var bottomLeft = decoded.Getpoint(1, decoded.Height - 2);
        Assert.True(topLeft[0] < 30 && topRight[0] > 225, $"red: left {topLeft[0]}, right {topRight[0]}");
        Assert.True(topLeft[1] < 30 && bottomLeft[1] > 225, $"green: top {topLeft[1]}, bottom {bottomLeft[1]}");
    }

    [Fact]
    public void Rejects_bytes_that_are_not_an_image_with_a_clear_error()
    {
        var garbage = new byte[4096];
        new Random(5).NextBytes(garbage);

        var error = Assert.Throws<ImageDecodeException>(() => ImageThumbnailer.Create(garbage, maxSide: 64));

        Assert.Contains("4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_the_libvips_version_it_loaded()
    {
        Assert.Matches(@"^8\.\d+\.\d+$", ImageThumbnailer.LibvipsVersion);
    }
}
