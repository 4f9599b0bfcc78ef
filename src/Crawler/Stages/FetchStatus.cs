using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Stages;

/// <summary>One entry's line in a chunk's status log (<c>fetch/NAME.jsonl.gz</c>): how its fetch ended.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="Url">The image URL.</param>
/// <param name="Status"><c>success</c> or <c>failed</c>.</param>
/// <param name="Error">The failure's <see cref="FetchErrorClass"/> name; null on success.</param>
/// <param name="Reason">Why it failed, in words.</param>
/// <param name="HttpStatus">The last HTTP status, if a response came.</param>
/// <param name="Bytes">Bytes downloaded.</param>
/// <param name="Width">Stored width on success.</param>
/// <param name="Height">Stored height on success.</param>
/// <param name="Milliseconds">How long the fetch took.</param>
public sealed record FetchStatus(string Key, string Url, string Status, string? Error, string? Reason, int? HttpStatus, long Bytes, int? Width, int? Height, long Milliseconds)
{
    /// <summary>The status of a download of entry <paramref name="key"/>.</summary>
    public static FetchStatus Of(string key, string url, Downloading.ImageDownload download)
    {
        ArgumentNullException.ThrowIfNull(download);
        return new FetchStatus(
            key, url, download.Succeeded ? "success" : "failed", download.Succeeded ? null : download.Error.ToString(), download.Reason, download.HttpStatus,
            download.DownloadedBytes, download.Image?.Width, download.Image?.Height, (long)download.Elapsed.TotalMilliseconds);
    }

    /// <summary>The failure's class (<see cref="FetchErrorClass.None"/> on success; an unknown name reads as <see cref="FetchErrorClass.Protocol"/>).</summary>
    public FetchErrorClass ErrorClass => Status == "success" ? FetchErrorClass.None
        : Enum.TryParse<FetchErrorClass>(Error, out var error) ? error : FetchErrorClass.Protocol;

    /// <summary>
    /// Whether another try may succeed: a failure of the network or of the host's state (DNS, connection, timeout, an
    /// open circuit, HTTP 429 or 5xx), not of the URL or the image (4xx, robots, opt-outs, not an image).
    /// </summary>
    public bool Retryable => ErrorClass switch
    {
        FetchErrorClass.Dns or FetchErrorClass.Connection or FetchErrorClass.Timeout or FetchErrorClass.CircuitOpen => true,
        FetchErrorClass.HttpStatus => HttpStatus is 429 or >= 500,
        _ => false,
    };
}
