using System.Globalization;
using Pipeline.Sharding.Settings;
using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Fetching;

/// <summary>Limits, politeness and resilience of HTTP fetching (section <c>Crawler:Fetching</c>).</summary>
public sealed record FetcherOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Fetching";

    /// <summary>The User-Agent header; its first product token is the name robots.txt groups and X-Robots-Tag prefixes are matched against.</summary>
    public string UserAgent { get; set; } = "PipelineBot/1.0 (+https://github.com/pipeline/pipeline; image-text dataset research)";

    /// <summary>Most bytes of a (decompressed) body; longer bodies fail with <see cref="FetchErrorClass.TooLarge"/>.</summary>
    public long MaxBytes { get; set; } = 20L << 20;

    /// <summary>Most redirects followed per fetch.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Time allowed to open a TCP (and TLS) connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for one attempt, headers and body together, so a server that trickles is cut off.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed for a whole fetch of one URL hop, retries and waits included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a transient failure (connection errors, timeouts, 429, 500, 502, 503, 504).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Base of the exponential backoff between retries (jittered).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Retry-After longer than this is not waited for: the fetch fails with the status instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second to one host (scheme, host and port); 0 means no limit.</summary>
    public double RequestsPerSecondPerHost { get; set; } = 4;

    /// <summary>Requests that may go to one host at once before the rate applies.</summary>
    public int BurstPerHost { get; set; } = 1;

    /// <summary>Share of failed requests to one host, over <see cref="CircuitSamplingDuration"/>, that opens its circuit.</summary>
    public double CircuitFailureRatio { get; set; } = 0.8;

    /// <summary>Requests to one host within the sampling window before the circuit may open.</summary>
    public int CircuitMinimumThroughput { get; set; } = 20;

    /// <summary>Window over which failures to one host are counted.</summary>
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses requests to its host before trying one again.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="MaxHostsTracked"/>.</summary>
    public const int DefaultMaxHostsTracked = 50_000;

    /// <summary>Hosts whose retry/circuit state and robots rules a fetcher keeps at most, the least recently used dropped first.</summary>
    public int MaxHostsTracked { get; set; } = DefaultMaxHostsTracked;

    /// <summary>Connections kept open to one host at most.</summary>
    public int MaxConnectionsPerHost { get; set; } = 32;

    /// <summary>Fetch robots.txt once per host and obey it.</summary>
    public bool ObeyRobots { get; set; } = true;

    /// <summary>Space requests to a host by the Crawl-delay of its robots.txt (for our group or <c>*</c>), in each fetcher.</summary>
    public bool ObeyCrawlDelay { get; set; } = true;

    /// <summary>The longest Crawl-delay honoured; a host asking for more is not fetched (its URLs fail as <c>Robots</c>).</summary>
    public TimeSpan MaxCrawlDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a host's robots.txt is reused.</summary>
    public TimeSpan RobotsCacheTime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The opt-out signals of responses honoured (<c>X-Robots-Tag</c> directives, <c>tdm-reservation</c>); all but <c>noindex</c> by default.</summary>
    public ConsentSignals Consent { get; set; } = new();

    /// <summary>Checks that the values are usable; the message names the one setting that is not.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(UserAgent))
        {
            throw new ArgumentException($"{Section}:{nameof(UserAgent)} must not be empty");
        }

        // The time ranges are those Polly accepts for its timeout, retry and circuit breaker strategies.
        var day = TimeSpan.FromDays(1);
        SettingRange.AtLeast(Key(nameof(MaxBytes)), MaxBytes, 1);
        SettingRange.AtLeast(Key(nameof(MaxRedirects)), MaxRedirects, 0);
        SettingRange.Between(Key(nameof(ConnectTimeout)), ConnectTimeout, TimeSpan.FromMilliseconds(1), day);
        SettingRange.Between(Key(nameof(AttemptTimeout)), AttemptTimeout, TimeSpan.FromMilliseconds(10), day);
        SettingRange.Between(Key(nameof(TotalTimeout)), TotalTimeout, TimeSpan.FromMilliseconds(10), day);
        SettingRange.AtLeast(Key(nameof(Retries)), Retries, 0);
        SettingRange.AtLeast(Key(nameof(MaxHostsTracked)), MaxHostsTracked, 1);
        SettingRange.Between(Key(nameof(RetryDelay)), RetryDelay, TimeSpan.Zero, day);
        SettingRange.Between(Key(nameof(MaxRetryAfter)), MaxRetryAfter, TimeSpan.Zero, day);

        // A rate so small that one request's period overflows a TimeSpan is refused too: 1e-6 is one request in 11 days.
        SettingRange.AtLeast(Key(nameof(RequestsPerSecondPerHost)), RequestsPerSecondPerHost, 0);
        if (RequestsPerSecondPerHost is > 0 and < 1e-6)
        {
            throw SettingRange.Error($"{Key(nameof(RequestsPerSecondPerHost))} must be 0 (no limit) or at least 0.000001, got {RequestsPerSecondPerHost.ToString(CultureInfo.InvariantCulture)}");
        }

        SettingRange.AtLeast(Key(nameof(BurstPerHost)), BurstPerHost, 1);
        if (CircuitFailureRatio is <= 0 or > 1 || double.IsNaN(CircuitFailureRatio))
        {
            throw SettingRange.Error($"{Key(nameof(CircuitFailureRatio))} must be above 0 and at most 1, got {CircuitFailureRatio.ToString(CultureInfo.InvariantCulture)}");
        }

        SettingRange.AtLeast(Key(nameof(CircuitMinimumThroughput)), CircuitMinimumThroughput, 2);
        SettingRange.Between(Key(nameof(CircuitSamplingDuration)), CircuitSamplingDuration, TimeSpan.FromMilliseconds(500), day);
        SettingRange.Between(Key(nameof(CircuitBreakDuration)), CircuitBreakDuration, TimeSpan.FromMilliseconds(500), day);
        SettingRange.AtLeast(Key(nameof(MaxConnectionsPerHost)), MaxConnectionsPerHost, 1);
        SettingRange.Between(Key(nameof(RobotsCacheTime)), RobotsCacheTime, TimeSpan.Zero, TimeSpan.MaxValue);
        SettingRange.Between(Key(nameof(MaxCrawlDelay)), MaxCrawlDelay, TimeSpan.Zero, TimeSpan.FromDays(1));
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";

    /// <summary>The product token of <see cref="UserAgent"/>: the part before the first '/' or space.</summary>
    public string ProductToken
    {
        get
        {
            var end = UserAgent.AsSpan().IndexOfAny('/', ' ');
            return end < 0 ? UserAgent : UserAgent[..end];
        }
    }
}
