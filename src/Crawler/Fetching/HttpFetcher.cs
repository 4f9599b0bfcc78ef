using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Robots;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.Crawler.Fetching;

/// <summary>
/// Fetches URLs politely and safely: one pooled <see cref="HttpClient"/> (HTTP/2 where offered, decompression), every
/// connection through the <see cref="SafeConnector"/>, redirects followed by hand so each hop is checked, robots.txt
/// and X-Robots-Tag obeyed, and per host a Polly pipeline of rate limit, total timeout, retries with jittered
/// exponential backoff that honour Retry-After, a circuit breaker and a per-attempt timeout that also covers the body.
/// It never throws for a failed fetch: every outcome is a <see cref="FetchResult"/> with an error class.
/// </summary>
public sealed partial class HttpFetcher : IDisposable
{
    private readonly FetcherOptions _options;
    private readonly SafeConnector _connector;
    private readonly HttpClient _client;
    private readonly PartitionedRateLimiter<string>? _rateLimiter;
    private readonly RecentHostCache<ResiliencePipeline<HttpAttempt>> _pipelines;
    private readonly RobotsCache? _robots;
    private readonly HostFileCache<TdmRepRules>? _tdmRep;

    // Keyed by host and delay, so a robots.txt that changes its Crawl-delay gets a limiter of its own.
    private readonly PartitionedRateLimiter<(string Host, TimeSpan Delay)> _crawlDelays = PartitionedRateLimiter.Create<(string Host, TimeSpan Delay), (string, TimeSpan)>(
        key => RateLimitPartition.GetTokenBucketLimiter(key, k => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = k.Item2,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));
    private readonly ILogger _logger;

    /// <summary>A fetcher with its own connection pool; <paramref name="dns"/> replaces the system resolver (a fixed host table in tests).</summary>
    public HttpFetcher(FetcherOptions options, NetworkSafetyOptions network, ILogger<HttpFetcher>? logger = null, DnsCache? dns = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        options.Validate();
        _options = options;
        _pipelines = new RecentHostCache<ResiliencePipeline<HttpAttempt>>(options.MaxHostsTracked);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connector = new SafeConnector(network, dns ?? new DnsCache(network.DnsCacheTime));
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = _connector.ConnectAsync,
            ConnectTimeout = options.ConnectTimeout,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            MaxConnectionsPerServer = options.MaxConnectionsPerHost,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
            UseCookies = false,

            // A proxy would connect on our behalf and bypass the address checks.
            UseProxy = false,
            MaxResponseHeadersLength = 64,
        };
        _client = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        if (options.RequestsPerSecondPerHost > 0)
        {
            var period = TimeSpan.FromSeconds(1 / options.RequestsPerSecondPerHost);
            _rateLimiter = PartitionedRateLimiter.Create<string, string>(host => RateLimitPartition.GetTokenBucketLimiter(host, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.BurstPerHost,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = period,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        }

        if (options.ObeyRobots)
        {
            _robots = new RobotsCache((url, ct) => FetchCoreAsync(url, isHostFile: true, ct), options.ProductToken, options.RobotsCacheTime, options.MaxHostsTracked);
        }

        if (options.Consent.TdmReservation)
        {
            _tdmRep = new HostFileCache<TdmRepRules>(
                TdmRepRules.Path, (url, ct) => FetchCoreAsync(url, isHostFile: true, ct), (_, result) => TdmRepRules.From(result), options.RobotsCacheTime, options.MaxHostsTracked);
        }
    }

    /// <summary>The options in force.</summary>
    public FetcherOptions Options => _options;

    /// <summary>robots.txt files fetched so far.</summary>
    public int RobotsFetches => _robots?.Fetches ?? 0;

    /// <summary>TDM Reservation Protocol files (<c>tdmrep.json</c>) fetched so far.</summary>
    public int TdmRepFetches => _tdmRep?.Fetches ?? 0;

    /// <summary>Fetches <paramref name="url"/>; only cancellation of <paramref name="cancellationToken"/> throws.</summary>
    public Task<FetchResult> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        return FetchCoreAsync(url, isHostFile: false, cancellationToken);
    }

    /// <summary>Fetches <paramref name="url"/> given as text; a string that is not an absolute http(s) URL gives <see cref="FetchErrorClass.InvalidUrl"/>.</summary>
    public Task<FetchResult> FetchAsync(string url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? FetchAsync(uri, cancellationToken)
            : Task.FromResult(new FetchResult(new Uri("about:invalid"), new Uri("about:invalid"), null, null, null, FetchErrorClass.InvalidUrl, $"not an absolute URL: {Truncate(url)}", 0, TimeSpan.Zero));
    }

    /// <summary>
    /// Opens a large body (a WARC file) as a stream, through the same network safety and redirect checks but without
    /// the byte limit or the per-attempt timeout; robots.txt is not consulted (data files are fetched on purpose).
    /// </summary>
    /// <exception cref="FetchFailedException">The URL cannot be opened; the message says why.</exception>
    public async Task<Stream> OpenStreamAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var current = url;
        for (var redirects = 0; ; redirects++)
        {
            await _connector.ResolveAllowedAsync(current.IdnHost, cancellationToken);
            var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, current), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location && redirects < _options.MaxRedirects)
            {
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                response.Dispose();
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new FetchFailedException(FetchErrorClass.HttpStatus, $"HTTP {status} from {current}", status);
            }

            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
        }
    }

    private async Task<FetchResult> FetchCoreAsync(Uri url, bool isHostFile, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var current = url;
        var redirects = 0;
        int? status = null;
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };
        try
        {
            while (true)
            {
                if (!current.IsAbsoluteUri || (current.Scheme != Uri.UriSchemeHttp && current.Scheme != Uri.UriSchemeHttps))
                {
                    throw new FetchFailedException(FetchErrorClass.InvalidUrl, $"not an http(s) URL: {Truncate(current.OriginalString)}");
                }

                var robots = "off";
                if (!isHostFile && _robots is not null)
                {
                    robots = await ObeyRobotsAsync(_robots, current, cancellationToken);
                }

                var (tdmRep, tdmPolicy) = ("off", (string?)null);
                if (!isHostFile && _tdmRep is not null)
                {
                    var declarations = await _tdmRep.GetAsync(current, cancellationToken);
                    if (declarations.ReservationFor(current) is { } reservation)
                    {
                        throw new FetchFailedException(FetchErrorClass.OptOut,
                            $"{current} is reserved by {current.GetLeftPart(UriPartial.Authority)}{TdmRepRules.Path} (location '{reservation.Location}'{(reservation.Policy is { } policy ? $", policy {policy}" : "")})");
                    }

                    (tdmRep, tdmPolicy) = declarations.RuleFor(current) is { } rule ? ("0", rule.Policy) : (declarations.Declares ? "unmatched" : "none", null);
                }

                // Checked here as well as at connect time, so a refused host fails fast and clearly even with a pooled connection.
                await _connector.ResolveAllowedAsync(current.IdnHost, cancellationToken);
                var attempt = await PipelineFor(current).ExecuteAsync(
                    static (state, token) => state.Self.AttemptAsync(state.Url, state.IsHostFile, token),
                    (Self: this, Url: current, IsHostFile: isHostFile),
                    cancellationToken);
                status = attempt.Status;
                if (attempt.Body is not null)
                {
                    return new FetchResult(url, current, status, attempt.ContentType, attempt.Body, FetchErrorClass.None, null, redirects, clock.Elapsed)
                    {
                        Consent = isHostFile ? null : new ConsentRecord(_options.UserAgent, robots, attempt.XRobotsTag, attempt.TdmReservation, tdmRep, tdmPolicy),
                    };
                }

                if (attempt.Status is < 300 or >= 400)
                {
                    throw new FetchFailedException(FetchErrorClass.HttpStatus, $"HTTP {attempt.Status} from {current}", attempt.Status);
                }

                if (attempt.Location is null)
                {
                    throw new FetchFailedException(FetchErrorClass.TooManyRedirects, $"HTTP {attempt.Status} from {current} without a Location", attempt.Status);
                }

                var next = attempt.Location.IsAbsoluteUri ? attempt.Location : new Uri(current, attempt.Location);
                if (++redirects > _options.MaxRedirects)
                {
                    throw new FetchFailedException(FetchErrorClass.TooManyRedirects, $"more than {_options.MaxRedirects} redirects from {url} (last to {next})", attempt.Status);
                }

                if (!visited.Add(next.AbsoluteUri))
                {
                    throw new FetchFailedException(FetchErrorClass.RedirectLoop, $"redirect loop: {current} leads back to {next}", attempt.Status);
                }

                current = next;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex) is var (errorClass, reason))
        {
            if (ex is FetchFailedException { HttpStatus: { } failedStatus })
            {
                status = failedStatus;
            }

            return new FetchResult(url, current, status, null, null, errorClass, reason, redirects, clock.Elapsed);
        }
    }

    /// <summary>
    /// Fails the fetch of <paramref name="url"/> when its host's robots.txt disallows it, saying which rule, or why robots.txt
    /// could not be read; else the verdict for the consent record (<c>allow</c>, <c>allow(PATTERN)</c>, or <c>none</c> without a robots.txt).
    /// </summary>
    private async Task<string> ObeyRobotsAsync(RobotsCache robots, Uri url, CancellationToken cancellationToken)
    {
        var rules = await robots.GetRulesAsync(url, cancellationToken);
        if (rules.WhyDisallowed(url) is { } rule)
        {
            var host = url.GetLeftPart(UriPartial.Authority);
            throw new FetchFailedException(FetchErrorClass.Robots, rules.UnreachableReason is { } unreachable
                ? $"{unreachable}; RFC 9309 then disallows all of {host}"
                : $"robots.txt of {host} disallows {url.PathAndQuery} for {_options.ProductToken} ({rule})");
        }

        if (_options.ObeyCrawlDelay && rules.CrawlDelay is { } delay && delay > TimeSpan.Zero)
        {
            var host = url.GetLeftPart(UriPartial.Authority);
            if (delay > _options.MaxCrawlDelay)
            {
                throw new FetchFailedException(FetchErrorClass.Robots,
                    $"robots.txt of {host} asks for a Crawl-delay of {delay.TotalSeconds:0.###} s, more than {FetcherOptions.Key(nameof(FetcherOptions.MaxCrawlDelay))} ({_options.MaxCrawlDelay.TotalSeconds:0.###} s)");
            }

            // One request per delay to this host from this fetcher, retries aside; waiting is politeness, not a timeout.
            using var lease = await _crawlDelays.AcquireAsync((host, delay), 1, cancellationToken);
        }

        return ReferenceEquals(rules, RobotsRules.AllowAll) ? "none" : rules.AllowingRule(url) is { } pattern ? $"allow({pattern})" : "allow";
    }

    private async ValueTask<HttpAttempt> AttemptAsync(Uri url, bool isHostFile, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            return new HttpAttempt(status, response.Headers.Location, null, null, null);
        }

        if (!response.IsSuccessStatusCode)
        {
            return new HttpAttempt(status, null, RetryAfter(response), null, null);
        }

        string? seenTags = null, seenReservation = null;
        if (!isHostFile && response.Headers.TryGetValues("X-Robots-Tag", out var tags))
        {
            if (RobotsTag.FindOptOut(tags, _options.ProductToken, _options.Consent) is { } directive)
            {
                throw new FetchFailedException(FetchErrorClass.OptOut, $"{url} opts out with X-Robots-Tag: {directive}", status);
            }

            seenTags = ConsentRecord.Join(tags);
        }

        if (!isHostFile && response.Headers.TryGetValues(RobotsTag.TdmReservationName, out var reservations))
        {
            if (_options.Consent.TdmOptOut(reservations) is { } reservation)
            {
                throw new FetchFailedException(FetchErrorClass.OptOut, $"{url} opts out with {reservation} (TDM Reservation Protocol)", status);
            }

            seenReservation = ConsentRecord.Join(reservations);
        }

        var body = await BodyReader.ReadAsync(response.Content, isHostFile ? RobotsRules.MaxBytes : _options.MaxBytes, truncate: isHostFile, url, cancellationToken);
        return new HttpAttempt(status, null, null, response.Content.Headers.ContentType?.ToString(), body, seenTags, seenReservation);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return delay is { } d ? (d < TimeSpan.Zero ? TimeSpan.Zero : d) : null;
    }

    private ResiliencePipeline<HttpAttempt> PipelineFor(Uri url) =>
        _pipelines.GetOrAdd(url.GetLeftPart(UriPartial.Authority), Build);

    private ResiliencePipeline<HttpAttempt> Build(string host)
    {
        var builder = new ResiliencePipelineBuilder<HttpAttempt>();
        if (_rateLimiter is { } limiter)
        {
            // Outside the timeouts: waiting one's turn at a busy host is politeness, not a failure.
            builder.AddRateLimiter(new RateLimiterStrategyOptions { RateLimiter = args => limiter.AcquireAsync(host, 1, args.Context.CancellationToken) });
        }

        builder
            .AddTimeout(_options.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpAttempt>
            {
                MaxRetryAttempts = Math.Max(1, _options.Retries),
                ShouldHandle = args => ValueTask.FromResult(_options.Retries > 0 && IsTransient(args.Outcome)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpAttempt>
            {
                FailureRatio = _options.CircuitFailureRatio,
                MinimumThroughput = _options.CircuitMinimumThroughput,
                SamplingDuration = _options.CircuitSamplingDuration,
                BreakDuration = _options.CircuitBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                OnOpened = args =>
                {
                    LogCircuitOpened(host, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(_options.AttemptTimeout);
        return builder.Build();
    }

    private bool IsTransient(Outcome<HttpAttempt> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException or HttpIOException } => true,
        { Exception: HttpRequestException e } => Classify(e) is (FetchErrorClass.Connection or FetchErrorClass.Protocol, _),
        { Result: { } r } => r.Status is 408 or 429 or 500 or 502 or 503 or 504 && (r.RetryAfter is null || r.RetryAfter <= _options.MaxRetryAfter),
        _ => false,
    };

    /// <summary>The error class and reason for an exception that ended a fetch.</summary>
    private static (FetchErrorClass, string)? Classify(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is BlockedAddressException blocked)
            {
                return (FetchErrorClass.BlockedAddress, blocked.Message);
            }
        }

        return ex switch
        {
            FetchFailedException failed => (failed.ErrorClass, failed.Message),
            BrokenCircuitException => (FetchErrorClass.CircuitOpen, "circuit open after repeated failures of this host: " + ex.Message),
            TimeoutRejectedException => (FetchErrorClass.Timeout, ex.Message),
            OperationCanceledException => (FetchErrorClass.Timeout, "timed out: " + ex.Message),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => (FetchErrorClass.Dns, ex.Message),
            HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => (FetchErrorClass.Dns, ex.Message),
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError } => (FetchErrorClass.Connection, Innermost(ex)),
            HttpRequestException { InnerException: OperationCanceledException or TimeoutException } => (FetchErrorClass.Timeout, Innermost(ex)),
            HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } } => (FetchErrorClass.Dns, Innermost(ex)),
            HttpRequestException or IOException or InvalidDataException => (FetchErrorClass.Protocol, Innermost(ex)),
            SocketException => (FetchErrorClass.Connection, ex.Message),
            _ => null,
        };
    }

    private static string Innermost(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            // "Connection refused (host:port)" wraps a socket error that says "Connection refused" again.
            if (!message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message += " (" + inner.Message + ")";
            }
        }

        return message;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <inheritdoc/>
    public void Dispose()
    {
        _client.Dispose();
        _rateLimiter?.Dispose();
        _crawlDelays.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "circuit opened for {Host}: refusing its requests for {BreakSeconds} s")]
    private partial void LogCircuitOpened(string host, double breakSeconds);
}
