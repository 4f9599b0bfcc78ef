using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Stages;
using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Tests;

/// <summary>How <see cref="RefreshStage.Classify"/> classes a sample from its fresh download.</summary>
public sealed class RefreshClassifyTests
{
    private static readonly Sample Stored = new()
    {
        Key = "k", Url = "http://example.com/a.jpg", Caption = "a", Width = 2, Height = 2, OriginalWidth = 2, OriginalHeight = 2, Sha256 = "aa", Image = [1], PerceptualHash = 0UL,
    };

    private static RefreshClass ClassOf(FetchErrorClass error, int? status = null, ProcessedImage? image = null, ulong fetchedHash = 0UL) =>
        RefreshStage.Classify("s", Stored, new ImageDownload(Stored.Url, error, image is null ? error.ToString() : null, status, 0, image, TimeSpan.Zero), _ => fetchedHash, 8).Class;

    [Theory]
    [InlineData(FetchErrorClass.HttpStatus, 404, RefreshClass.Dead)]
    [InlineData(FetchErrorClass.HttpStatus, 410, RefreshClass.Dead)]
    [InlineData(FetchErrorClass.Dns, null, RefreshClass.Dead)]
    [InlineData(FetchErrorClass.Robots, null, RefreshClass.Dead)]
    [InlineData(FetchErrorClass.OptOut, 200, RefreshClass.Dead)]
    [InlineData(FetchErrorClass.HttpStatus, 500, RefreshClass.Unreachable)]
    [InlineData(FetchErrorClass.HttpStatus, 429, RefreshClass.Unreachable)]
    [InlineData(FetchErrorClass.Timeout, null, RefreshClass.Unreachable)]
    [InlineData(FetchErrorClass.Connection, null, RefreshClass.Unreachable)]
    [InlineData(FetchErrorClass.NotAnImage, 200, RefreshClass.Changed)]
    public void Failures_are_dead_unreachable_or_changed_by_class(FetchErrorClass error, int? status, RefreshClass expected) =>
        Assert.Equal(expected, ClassOf(error, status));

    [Fact]
    public void An_image_is_alive_by_equal_bytes_or_a_near_hash_and_changed_beyond_the_distance()
    {
        var same = new ProcessedImage([1], ImageEncoding.Jpg, 2, 2, 2, 2, SourceImageFormat.Jpeg, "AA");
        var other = same with { Sha256 = "bb" };
        Assert.Equal(RefreshClass.Alive, ClassOf(FetchErrorClass.None, 200, same, fetchedHash: ulong.MaxValue));
        Assert.Equal(RefreshClass.Alive, ClassOf(FetchErrorClass.None, 200, other, fetchedHash: 0xFFUL));
        Assert.Equal(RefreshClass.Changed, ClassOf(FetchErrorClass.None, 200, other, fetchedHash: 0x1FFUL));
    }
}
