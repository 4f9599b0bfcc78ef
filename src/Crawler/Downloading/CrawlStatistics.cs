using System.Collections.Concurrent;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Telemetry;

namespace Pipeline.Crawler.Downloading;

/// <summary>Thread-safe tallies of a crawl: attempts, successes, bytes, and failures by class and by host, for progress lines and summaries.</summary>
/// <param name="metrics">Also count each outcome in the crawler's meters (off for tallies re-read from status logs).</param>
public sealed class CrawlStatistics(bool metrics = true)
{
    /// <summary>Each failure class as the metric tag names it (snake_case), made once.</summary>
    private static readonly Dictionary<FetchErrorClass, string> OutcomeNames =
        Enum.GetValues<FetchErrorClass>().ToDictionary(c => c, c => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(c.ToString()));

    private readonly ConcurrentDictionary<FetchErrorClass, long> _byClass = new();
    private readonly ConcurrentDictionary<string, long> _failuresByHost = new(StringComparer.OrdinalIgnoreCase);
    private long _attempted;
    private long _succeeded;
    private long _bytes;

    /// <summary>Outcomes recorded.</summary>
    public long Attempted => Interlocked.Read(ref _attempted);

    /// <summary>Outcomes that succeeded.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Bytes downloaded by successful outcomes.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Share of outcomes that succeeded (0 when none).</summary>
    public double SuccessRate => Attempted == 0 ? 0 : Succeeded / (double)Attempted;

    /// <summary>Counts one outcome for <paramref name="url"/>.</summary>
    public void Record(string url, FetchErrorClass error, long bytes)
    {
        Interlocked.Increment(ref _attempted);
        if (error == FetchErrorClass.None)
        {
            Interlocked.Increment(ref _succeeded);
            Interlocked.Add(ref _bytes, bytes);
            if (metrics)
            {
                CrawlerMetrics.Fetches.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
                CrawlerMetrics.Bytes.Add(bytes);
            }

            return;
        }

        if (metrics)
        {
            CrawlerMetrics.Fetches.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeNames[error]));
        }

        _byClass.AddOrUpdate(error, 1, (_, n) => n + 1);
        var host = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : "(invalid)";
        _failuresByHost.AddOrUpdate(host, 1, (_, n) => n + 1);
    }

    /// <summary>Failure counts by class, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<FetchErrorClass, long>> ErrorsByClass =>
        [.. _byClass.OrderByDescending(p => p.Value).ThenBy(p => p.Key)];

    /// <summary>The <paramref name="count"/> hosts with the most failures.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> TopFailingHosts(int count) =>
        [.. _failuresByHost.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(count)];

    /// <summary>"timeout 12, http_status 3" for the most frequent classes.</summary>
    public string TopErrors(int count) =>
        string.Join(", ", ErrorsByClass.Take(count).Select(p => $"{p.Key} {p.Value:N0}"));
}
