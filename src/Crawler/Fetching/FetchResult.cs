using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Fetching;

/// <summary>How one fetch ended: a body, or a classified error with a readable reason.</summary>
/// <param name="Url">The URL asked for.</param>
/// <param name="FinalUrl">The URL the body came from, after redirects.</param>
/// <param name="HttpStatus">The last HTTP status seen, if a response arrived.</param>
/// <param name="ContentType">The declared Content-Type of the body.</param>
/// <param name="Body">The (decompressed) body, on success.</param>
/// <param name="Error">The class of the failure, or <see cref="FetchErrorClass.None"/>.</param>
/// <param name="Reason">What went wrong, for people; null on success.</param>
/// <param name="Redirects">Redirects followed.</param>
/// <param name="Elapsed">Time from the first request to the end of the body.</param>
public sealed record FetchResult(
    Uri Url, Uri FinalUrl, int? HttpStatus, string? ContentType, byte[]? Body, FetchErrorClass Error, string? Reason, int Redirects, TimeSpan Elapsed)
{
    /// <summary>Whether a body arrived.</summary>
    public bool Succeeded => Error == FetchErrorClass.None;

    /// <summary>The consent signals seen for the URL the body came from, on success; null otherwise and for host files.</summary>
    public ConsentRecord? Consent { get; init; }
}
