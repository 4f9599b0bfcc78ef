using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Network;

namespace Pipeline.Crawler.Tests;

/// <summary>Fetchers configured for tests: loopback allowed (the servers run on 127.0.0.1), short limits, fast retries.</summary>
internal static class FetcherFixture
{
    public static FetcherOptions Options(Action<FetcherOptions>? change = null)
    {
        var options = new FetcherOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            TotalTimeout = TimeSpan.FromSeconds(15),
            RetryDelay = TimeSpan.FromMilliseconds(50),
            RequestsPerSecondPerHost = 0,
            MaxBytes = 1 << 20,
        };
        change?.Invoke(options);
        return options;
    }

    public static HttpFetcher Create(Action<FetcherOptions>? change = null, bool allowLoopback = true, DnsCache? dns = null) =>
        new(Options(change), new NetworkSafetyOptions { AllowLoopback = allowLoopback }, dns: dns);
}
