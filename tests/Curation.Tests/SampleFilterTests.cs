using Pipeline.Curation.Filtering;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Tests;

public sealed class SampleFilterTests
{
    private static readonly SampleFilter Filter = new(new SampleFilterOptions
    {
        MinSide = 100, MaxAspectRatio = 2.5, MinCaptionChars = 5, MaxCaptionChars = 40, MinCaptionWords = 2, MaxCaptionWords = 6, MinImageBytes = 10, MaxImageBytes = 1000,
    });

    [Theory]
    [InlineData(640, 480, "a red bicycle", 500, null)]
    [InlineData(640, 99, "a red bicycle", 500, FilterReason.ImageTooSmall)]
    [InlineData(800, 300, "a red bicycle", 500, FilterReason.AspectRatio)]
    [InlineData(640, 480, "a b", 500, FilterReason.CaptionTooShort)]
    [InlineData(640, 480, "a very long caption that goes on and on and on", 500, FilterReason.CaptionTooLong)]
    [InlineData(640, 480, "bicycle", 500, FilterReason.TooFewWords)]
    [InlineData(640, 480, "a b c d e f g h", 500, FilterReason.TooManyWords)]
    [InlineData(640, 480, "a red bicycle", 5, FilterReason.FileTooSmall)]
    [InlineData(640, 480, "a red bicycle", 5000, FilterReason.FileTooLarge)]
    public void Each_filter_names_its_reason(int width, int height, string caption, int bytes, FilterReason? expected)
    {
        var verdict = Filter.Check(Sample(width, height, bytes), CaptionNormalizer.Normalize(caption));
        Assert.Equal(expected, verdict?.Reason);
        if (verdict is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(verdict.Detail));
        }
    }

    [Theory]
    [InlineData("  a\tred\n\nbicycle  ", "a red bicycle")]
    [InlineData("caf\u0065\u0301 &amp;amp; bar", "caf\u00e9 &amp; bar")]
    [InlineData("Fish &amp; chips", "Fish & chips")]
    [InlineData("zero\u200bwidth\u0007bell", "zero widthbell")]
    [InlineData("", "")]
    public void Captions_are_normalized_before_anything_compares_them(string caption, string expected) =>
        Assert.Equal(expected, CaptionNormalizer.Normalize(caption));

    [Fact]
    public void Inconsistent_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleFilter(new SampleFilterOptions { MinCaptionWords = 10, MaxCaptionWords = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleFilter(new SampleFilterOptions { MaxAspectRatio = 0.5 }));
    }

    private static Sample Sample(int width, int height, int bytes) => new()
    {
        Key = "k", Url = "https://example.com/a.jpg", Caption = "unused", Width = width, Height = height,
        OriginalWidth = width, OriginalHeight = height, Sha256 = new string('0', 64), Image = new byte[bytes],
    };
}
