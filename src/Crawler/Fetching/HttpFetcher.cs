using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Politeness;
using Pipeline.Crawler.Robots;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.Crawler.Fetching;

/// <summary>
/// Fetches URLs politely and safely: one pooled <see cref="HttpClient"/> (HTTP/2 where offered, decompression), every
/// connection through the <see cref="SafeConnector"/>, redirects followed by hand so each hop is checked, robots.txt
/// and X-Robots-Tag obeyed, every request (retries included) sent in its turn from an <see cref="IHostBudget"/> that
/// paces each host (rate, burst, Crawl-delay) and pauses it after a 429/503 with Retry-After, and per host a Polly
/// pipeline of total timeout, retries with jittered exponential backoff that honour Retry-After, a circuit breaker
/// and a per-attempt timeout that also covers the body.
/// It never throws for a failed fetch: every outcome is a <see cref="FetchResult"/> with an error class.
/// </summary>
public sealed partial class HttpFetcher : IDisposable
{
    private readonly FetcherOptions _options;
    private readonly SafeConnector _connector;
    private readonly HttpClient _client;
    private readonly IHostBudget _budget;
    private readonly HostPace _pace;
    private readonly ResiliencePipeline _attemptTimeout;
    private readonly RecentHostCache<ResiliencePipeline<HttpAttempt>> _pipelines;
    private readonly RobotsCache? _robots;
    private readonly HostFileCache<TdmRepRules>? _tdmRep;

    private readonly ILogger _logger;

    /// <summary>
    /// A fetcher with its own connection pool; <paramref name="dns"/> replaces the system resolver (a fixed host table in
    /// tests) and <paramref name="budget"/> the fetcher's own per-host pacing (a cluster shares one across its silos).
    /// </summary>
    public HttpFetcher(FetcherOptions options, NetworkSafetyOptions network, ILogger<HttpFetcher>? logger = null, DnsCache? dns = null, IHostBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        options.Validate();
        _options = options;
        _budget = budget ?? new LocalHostBudget(options.MaxHostsTracked);
        _pace = HostPace.Of(options.RequestsPerSecondPerHost, options.BurstPerHost);
        _attemptTimeout = new ResiliencePipelineBuilder().AddTimeout(options.AttemptTimeout).Build();
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

                var (robots, pace) = ("off", _pace);
                if (!isHostFile && _robots is not null)
                {
                    var (verdict, crawlDelay) = await ObeyRobotsAsync(_robots, current, cancellationToken);
                    (robots, pace) = (verdict, pace.WithCrawlDelay(crawlDelay));
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
                // The first turn is waited for outside the timeouts (waiting at a busy host is politeness, not a failure);
                // a retry waits for its turn inside them, so retries keep to the host's pace too.
                var host = HostOf(current);
                await _budget.WaitTurnAsync(host, pace, cancellationToken);
                var hop = new Hop(this, current, host, pace, isHostFile);
                var attempt = await PipelineFor(host).ExecuteAsync(static (hop, token) => hop.AttemptAsync(token), hop, cancellationToken);
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
    /// could not be read; else the verdict for the consent record (<c>allow</c>, <c>allow(PATTERN)</c>, or <c>none</c> without a
    /// robots.txt) and the Crawl-delay to keep, if any.
    /// </summary>
    private async Task<(string Verdict, TimeSpan? CrawlDelay)> ObeyRobotsAsync(RobotsCache robots, Uri url, CancellationToken cancellationToken)
    {
        var rules = await robots.GetRulesAsync(url, cancellationToken);
        if (rules.WhyDisallowed(url) is { } rule)
        {
            var host = HostOf(url);
            throw new FetchFailedException(FetchErrorClass.Robots, rules.UnreachableReason is { } unreachable
                ? $"{unreachable}; RFC 9309 then disallows all of {host}"
                : $"robots.txt of {host} disallows {url.PathAndQuery} for {_options.ProductToken} ({rule})");
        }

        TimeSpan? crawlDelay = null;
        if (_options.ObeyCrawlDelay && rules.CrawlDelay is { } delay && delay > TimeSpan.Zero)
        {
            if (delay > _options.MaxCrawlDelay)
            {
                throw new FetchFailedException(FetchErrorClass.Robots,
                    $"robots.txt of {HostOf(url)} asks for a Crawl-delay of {delay.TotalSeconds:0.###} s, more than {FetcherOptions.Key(nameof(FetcherOptions.MaxCrawlDelay))} ({_options.MaxCrawlDelay.TotalSeconds:0.###} s)");
            }

            crawlDelay = delay;
        }

        return (ReferenceEquals(rules, RobotsRules.AllowAll) ? "none" : rules.AllowingRule(url) is { } pattern ? $"allow({pattern})" : "allow", crawlDelay);
    }

    private async ValueTask<HttpAttempt> AttemptAsync(Uri url, string host, bool isHostFile, CancellationToken cancellationToken)
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
            var retryAfter = RetryAfter(response);
            if (status == 429 || (status == 503 && retryAfter is not null))
            {
                // The host asked everyone sharing the budget to hold off, not just this request; a 429 without a date gets the base backoff.
                var pause = retryAfter ?? _options.RetryDelay;
                await _budget.PauseAsync(host, DateTimeOffset.UtcNow + (pause < _options.MaxRetryAfter ? pause : _options.MaxRetryAfter), cancellationToken);
            }

            return new HttpAttempt(status, null, retryAfter, null, null);
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

    /// <summary>The key a host's pace, pauses and resilience state are kept under: scheme, host and port.</summary>
    private static string HostOf(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private ResiliencePipeline<HttpAttempt> PipelineFor(string host) => _pipelines.GetOrAdd(host, Build);

    private ResiliencePipeline<HttpAttempt> Build(string host) =>
        new ResiliencePipelineBuilder<HttpAttempt>()
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
            .Build();

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
    }

    /// <summary>One hop's attempts: each after the first waits for its turn, then runs under the per-attempt timeout.</summary>
    private sealed class Hop(HttpFetcher fetcher, Uri url, string host, HostPace pace, bool isHostFile)
    {
        private bool _retry;

        public async ValueTask<HttpAttempt> AttemptAsync(CancellationToken cancellationToken)
        {
            if (_retry)
            {
                await fetcher._budget.WaitTurnAsync(host, pace, cancellationToken);
            }

            _retry = true;
            return await fetcher._attemptTimeout.ExecuteAsync(token => fetcher.AttemptAsync(url, host, isHostFile, token), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "circuit opened for {Host}: refusing its requests for {BreakSeconds} s")]
    private partial void LogCircuitOpened(string host, double breakSeconds);
}
