using System.Text;

namespace Pipeline.Crawler.Robots;

/// <summary>
/// The rules of one robots.txt that apply to one user agent (RFC 9309): the groups naming our product token
/// (case-insensitively, merged) or else the <c>*</c> groups; the longest matching rule wins, Allow on a tie;
/// <c>*</c> matches any run of characters and a final <c>$</c> anchors the end. <c>/robots.txt</c> is always allowed.
/// </summary>
public sealed class RobotsRules
{
    /// <summary>At most this much of a robots.txt is parsed (RFC 9309 asks for at least 500 KiB).</summary>
    public const int MaxBytes = 512 * 1024;

    private readonly List<Rule> _rules;

    private RobotsRules(List<Rule> rules, TimeSpan? crawlDelay, string? unreachable = null)
    {
        _rules = rules;
        CrawlDelay = crawlDelay;
        UnreachableReason = unreachable;
    }

    /// <summary>Rules that allow everything (no robots.txt, or a 4xx for it).</summary>
    public static RobotsRules AllowAll { get; } = new([], null);

    /// <summary>Rules that disallow everything (robots.txt unreachable or 5xx).</summary>
    public static RobotsRules DisallowAll { get; } = Unreachable("robots.txt unreachable");

    /// <summary>Why there was no robots.txt to read (it is then taken to disallow everything), or null for rules read from one.</summary>
    public string? UnreachableReason { get; }

    /// <summary>The Crawl-delay of our group, if it gives one (not in the RFC, but widely used).</summary>
    public TimeSpan? CrawlDelay { get; }

    /// <summary>Rules that disallow everything because robots.txt could not be read, for <paramref name="reason"/> (<c>robots.txt unreachable: HTTP 503 from ...</c>).</summary>
    public static RobotsRules Unreachable(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new([new Rule("/", Allow: false)], null, reason);
    }

    /// <summary>The rules of <paramref name="robotsTxt"/> for <paramref name="productToken"/>.</summary>
    public static RobotsRules Parse(string robotsTxt, string productToken)
    {
        ArgumentNullException.ThrowIfNull(robotsTxt);
        ArgumentException.ThrowIfNullOrWhiteSpace(productToken);
        var ours = new List<Rule>();
        var star = new List<Rule>();
        TimeSpan? ourDelay = null, starDelay = null;
        bool foundOurs = false, inOurs = false, inStar = false, lastWasAgent = false;
        foreach (var rawLine in robotsTxt.Split('\n'))
        {
            var line = rawLine;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (key is "user-agent" or "useragent" or "user agent")
            {
                if (!lastWasAgent)
                {
                    inOurs = inStar = false;
                }

                lastWasAgent = true;
                if (value == "*")
                {
                    inStar = true;
                }
                else if (value.Equals(productToken, StringComparison.OrdinalIgnoreCase))
                {
                    inOurs = foundOurs = true;
                }

                continue;
            }

            lastWasAgent = false;
            if (key is "allow" or "disallow")
            {
                if (value.Length == 0)
                {
                    // "Disallow:" with nothing means allow everything: no rule.
                    continue;
                }

                var rule = new Rule(Normalize(value), key == "allow");
                (inOurs ? ours : null)?.Add(rule);
                (inStar ? star : null)?.Add(rule);
            }
            else if (key == "crawl-delay" && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 86400)
            {
                if (inOurs)
                {
                    ourDelay = TimeSpan.FromSeconds(seconds);
                }

                if (inStar)
                {
                    starDelay = TimeSpan.FromSeconds(seconds);
                }
            }
        }

        return foundOurs ? new RobotsRules(ours, ourDelay) : new RobotsRules(star, starDelay);
    }

    /// <summary>Whether the path and query of <paramref name="url"/> may be fetched.</summary>
    public bool IsAllowed(Uri url) => WhyDisallowed(url) is null;

    /// <summary>Whether <paramref name="pathAndQuery"/> (starting with '/') may be fetched.</summary>
    public bool IsAllowed(string pathAndQuery) => WhyDisallowed(pathAndQuery) is null;

    /// <summary>Why the path and query of <paramref name="url"/> may not be fetched, or null when it may.</summary>
    public string? WhyDisallowed(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return WhyDisallowed(url.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped));
    }

    /// <summary>
    /// Why <paramref name="pathAndQuery"/> (starting with '/') may not be fetched: the rule that decides it
    /// (<c>rule 'Disallow: /private'</c>), or why robots.txt could not be read; null when it may be fetched.
    /// </summary>
    public string? WhyDisallowed(string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (_rules.Count == 0 || pathAndQuery == "/robots.txt")
        {
            return null;
        }

        var best = Decide(pathAndQuery);
        return best is null or { Allow: true } ? null : UnreachableReason ?? $"rule 'Disallow: {best.Pattern}'";
    }

    /// <summary>The pattern of the Allow rule that decides <paramref name="url"/>; null when no rule matches it or a Disallow rule decides.</summary>
    public string? AllowingRule(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var pathAndQuery = url.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        return _rules.Count == 0 || pathAndQuery == "/robots.txt" ? null : Decide(pathAndQuery) is { Allow: true } rule ? rule.Pattern : null;
    }

    /// <summary>The longest rule matching <paramref name="pathAndQuery"/>, Allow on a tie; null when none matches.</summary>
    private Rule? Decide(string pathAndQuery)
    {
        var path = Normalize(pathAndQuery);
        Rule? best = null;
        foreach (var rule in _rules)
        {
            if (Matches(rule.Pattern, path) && (best is null || rule.Pattern.Length > best.Pattern.Length || (rule.Pattern.Length == best.Pattern.Length && rule.Allow)))
            {
                best = rule;
            }
        }

        return best;
    }

    /// <summary>Percent-encodes characters outside US-ASCII and upper-cases escapes, so a rule and a path compare alike.</summary>
    private static string Normalize(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                builder.Append('%').Append(char.ToUpperInvariant(value[i + 1])).Append(char.ToUpperInvariant(value[i + 2]));
                i += 2;
            }
            else if (c > 0x7e || c < 0x21)
            {
                var length = char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1;
                foreach (var b in Encoding.UTF8.GetBytes(value.Substring(i, length)))
                {
                    builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }

                i += length - 1;
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether robots.txt-style <paramref name="pattern"/> (a prefix with '*' wildcards and an optional final '$') matches <paramref name="pathAndQuery"/>, both normalized alike.</summary>
    internal static bool PatternMatches(string pattern, string pathAndQuery) => Matches(Normalize(pattern), Normalize(pathAndQuery));

    /// <summary>Prefix match with '*' wildcards and an optional final '$'.</summary>
    private static bool Matches(string pattern, string path)
    {
        var anchored = pattern.EndsWith('$');
        var body = anchored ? pattern.AsSpan(0, pattern.Length - 1) : pattern.AsSpan();
        return Match(body, path.AsSpan(), anchored);
    }

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> path, bool anchored)
    {
        var star = pattern.IndexOf('*');
        if (star < 0)
        {
            return anchored ? path.SequenceEqual(pattern) : path.StartsWith(pattern, StringComparison.Ordinal);
        }

        if (!path.StartsWith(pattern[..star], StringComparison.Ordinal))
        {
            return false;
        }

        var rest = pattern[(star + 1)..];
        for (var i = star; i <= path.Length; i++)
        {
            if (Match(rest, path[i..], anchored))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record Rule(string Pattern, bool Allow);
}
