namespace Pipeline.Crawler.Robots;

/// <summary>
/// Reads opt-outs from <c>X-Robots-Tag</c> headers and <c>&lt;meta name="robots"&gt;</c> contents: comma-separated
/// directives, optionally prefixed by a user agent (<c>otherbot: noai</c> binds only that bot). <c>noai</c> and
/// <c>noimageai</c> always opt out; <c>noindex</c> and <c>none</c> do when asked to.
/// </summary>
public static class RobotsTag
{
    /// <summary>The first opt-out directive that binds <paramref name="productToken"/>, or null.</summary>
    public static string? FindOptOut(IEnumerable<string> values, string productToken, bool noIndexIsOptOut)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            var directives = value.AsSpan();
            var colon = directives.IndexOf(':');

            // "unavailable_after: <date>" is a directive with an argument, not an agent prefix.
            if (colon > 0 && !directives[..colon].Trim().StartsWith("unavailable_after", StringComparison.OrdinalIgnoreCase))
            {
                var agent = directives[..colon].Trim();
                if (!agent.Equals(productToken, StringComparison.OrdinalIgnoreCase) && !agent.SequenceEqual("*"))
                {
                    continue;
                }

                directives = directives[(colon + 1)..];
            }

            foreach (var range in directives.Split(','))
            {
                var directive = directives[range].Trim();
                if (directive.Equals("noai", StringComparison.OrdinalIgnoreCase) || directive.Equals("noimageai", StringComparison.OrdinalIgnoreCase)
                    || (noIndexIsOptOut && (directive.Equals("noindex", StringComparison.OrdinalIgnoreCase) || directive.Equals("none", StringComparison.OrdinalIgnoreCase))))
                {
                    return directive.ToString().ToLowerInvariant();
                }
            }
        }

        return null;
    }

    /// <summary>Whether a <c>&lt;meta name="..."&gt;</c> carries robots directives for us: <c>robots</c>, or our product token.</summary>
    public static bool IsRobotsMetaName(string? name, string productToken) =>
        name is not null && (name.Equals("robots", StringComparison.OrdinalIgnoreCase) || name.Equals(productToken, StringComparison.OrdinalIgnoreCase));
}
