namespace Pipeline.Crawler.Fetching;

/// <summary>Why a fetch or an image did not make it, coarse enough to count per campaign and per host.</summary>
public enum FetchErrorClass
{
    /// <summary>No error.</summary>
    None,

    /// <summary>Not an absolute http or https URL.</summary>
    InvalidUrl,

    /// <summary>The host name does not resolve.</summary>
    Dns,

    /// <summary>The host resolves to a private, loopback, link-local, multicast or metadata address.</summary>
    BlockedAddress,

    /// <summary>The connection was refused or reset, or TLS failed.</summary>
    Connection,

    /// <summary>The request or the whole fetch ran out of time (also a body that trickles).</summary>
    Timeout,

    /// <summary>The server answered with a non-success status.</summary>
    HttpStatus,

    /// <summary>More redirects than allowed, or a redirect without a usable Location.</summary>
    TooManyRedirects,

    /// <summary>A redirect led back to a URL already visited.</summary>
    RedirectLoop,

    /// <summary>robots.txt disallows the URL for our user agent.</summary>
    Robots,

    /// <summary>The response opts out of AI use (<c>X-Robots-Tag: noai</c> and the like).</summary>
    OptOut,

    /// <summary>The body is longer than the byte limit (including a decompression bomb).</summary>
    TooLarge,

    /// <summary>The per-host circuit breaker is open after repeated failures.</summary>
    CircuitOpen,

    /// <summary>The server broke HTTP (a malformed response, a body that ended early).</summary>
    Protocol,

    /// <summary>The bytes are not an image format we accept.</summary>
    NotAnImage,

    /// <summary>The image declares more pixels than allowed (a decompression bomb), checked before decoding.</summary>
    ImageTooLarge,

    /// <summary>The image is damaged or truncated.</summary>
    DecodeError,

    /// <summary>The image is smaller than the minimum side.</summary>
    ImageTooSmall,
}
