namespace Pipeline.Crawler.Politeness;

/// <summary>
/// How often requests may go to one host: one per <see cref="Interval"/>, and up to <see cref="Burst"/> at once
/// after a quiet spell. A zero interval means no limit (pauses a host asked for still apply).
/// </summary>
/// <param name="Interval">Time between requests; zero for no limit.</param>
/// <param name="Burst">Requests that may go at once before the interval applies; at least 1.</param>
public readonly record struct HostPace(TimeSpan Interval, int Burst)
{
    /// <summary>The pace of <paramref name="requestsPerSecond"/> (0: no limit) with <paramref name="burst"/>.</summary>
    public static HostPace Of(double requestsPerSecond, int burst) =>
        new(requestsPerSecond > 0 ? TimeSpan.FromSeconds(1 / requestsPerSecond) : TimeSpan.Zero, Math.Max(1, burst));

    /// <summary>
    /// This pace slowed to one request per <paramref name="crawlDelay"/> when a host's robots.txt asks for it:
    /// the longer interval wins and there is no burst.
    /// </summary>
    public HostPace WithCrawlDelay(TimeSpan? crawlDelay) =>
        crawlDelay is { } delay && delay > TimeSpan.Zero ? new HostPace(delay > Interval ? delay : Interval, 1) : this;
}
