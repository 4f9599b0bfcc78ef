using System.Text;
using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Robots;

/// <summary>
/// Fetches each host's robots.txt once (concurrent callers share the fetch) and keeps its rules for a while. A
/// missing robots.txt (4xx) allows everything; an unreachable one (5xx, timeout, connection error) disallows
/// everything for this period, as RFC 9309 asks.
/// </summary>
public sealed class RobotsCache(Func<Uri, CancellationToken, Task<FetchResult>> fetch, string productToken, TimeSpan lifetime, int maxHosts = FetcherOptions.DefaultMaxHostsTracked)
{
    private readonly HostFileCache<RobotsRules> _files = new("/robots.txt", fetch, (url, result) => Interpret(url, result, productToken), lifetime, maxHosts);

    /// <summary>Robots files fetched so far.</summary>
    public int Fetches => _files.Fetches;

    /// <summary>The rules that govern <paramref name="url"/>.</summary>
    public Task<RobotsRules> GetRulesAsync(Uri url, CancellationToken cancellationToken) => _files.GetAsync(url, cancellationToken);

    private static RobotsRules Interpret(Uri robotsUrl, FetchResult result, string productToken)
    {
        if (result.Succeeded)
        {
            var body = result.Body!;
            return RobotsRules.Parse(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, RobotsRules.MaxBytes)), productToken);
        }

        // A host that does not resolve or is forbidden fails the fetch itself, with that class, not as "robots".
        if (result.Error is FetchErrorClass.Dns or FetchErrorClass.BlockedAddress or FetchErrorClass.InvalidUrl)
        {
            return RobotsRules.AllowAll;
        }

        if (result.HttpStatus is >= 400 and < 500 && result.HttpStatus != 429)
        {
            return RobotsRules.AllowAll;
        }

        // The reason of a status already names the URL; a connection error or a timeout names at most the address.
        var cause = result.Error == FetchErrorClass.HttpStatus ? result.Reason : $"{result.Reason?.TrimEnd('.')} fetching {robotsUrl}";
        return RobotsRules.Unreachable($"robots.txt unreachable: {cause}");
    }
}
