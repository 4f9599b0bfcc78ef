using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Downloading;

/// <summary>How one image URL ended: a processed image, or a classified error with its reason.</summary>
/// <param name="Url">The URL asked for.</param>
/// <param name="Error">The class of the failure, or <see cref="FetchErrorClass.None"/>.</param>
/// <param name="Reason">What went wrong, for people; null on success.</param>
/// <param name="HttpStatus">The last HTTP status, if a response arrived.</param>
/// <param name="DownloadedBytes">Bytes of the body as downloaded.</param>
/// <param name="Image">The stored image, on success.</param>
/// <param name="Elapsed">Time from the first request to the processed image.</param>
public sealed record ImageDownload(string Url, FetchErrorClass Error, string? Reason, int? HttpStatus, long DownloadedBytes, ProcessedImage? Image, TimeSpan Elapsed)
{
    /// <summary>Whether an image came out.</summary>
    public bool Succeeded => Error == FetchErrorClass.None;

    /// <summary>The consent signals seen when the image was fetched, on success.</summary>
    public ConsentRecord? Consent { get; init; }

    /// <summary>When the body arrived (UTC), the time its consent signals were seen; null on failure.</summary>
    public DateTimeOffset? FetchedAt { get; init; }
}
