namespace Pipeline.Crawler.Robots;

/// <summary>
/// Reads opt-outs from <c>X-Robots-Tag</c> headers and <c>&lt;meta name="robots"&gt;</c> contents: comma-separated
/// directives, optionally prefixed by a user agent (<c>otherbot: noai</c> binds only that bot); which directives opt
/// out is <see cref="ConsentSignals"/>' choice.
/// </summary>
public static class RobotsTag
{
    /// <summary>The TDM Reservation Protocol's header and meta name.</summary>
    public const string TdmReservationName = "tdm-reservation";

    /// <summary>The first opt-out directive that binds <paramref name="productToken"/>, or null.</summary>
    public static string? FindOptOut(IEnumerable<string> values, string productToken, ConsentSignals consent)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(consent);
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
                if (consent.OptsOut(directive))
                {
                    return directive.ToString().ToLowerInvariant();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first opt-out among a page's meta tags, as (name, content): robots directives for
    /// <paramref name="productToken"/>, else a TDM reservation; null when none opts out.
    /// </summary>
    public static string? FindMetaOptOut(IEnumerable<(string? Name, string? Content)> metas, string productToken, ConsentSignals consent)
    {
        ArgumentNullException.ThrowIfNull(metas);
        ArgumentNullException.ThrowIfNull(consent);
        var tags = metas.Where(m => m.Name is not null && m.Content is not null).ToList();
        return FindOptOut(tags.Where(m => IsRobotsMetaName(m.Name, productToken)).Select(m => m.Content!), productToken, consent)
            ?? consent.TdmOptOut(tags.Where(m => string.Equals(m.Name, TdmReservationName, StringComparison.OrdinalIgnoreCase)).Select(m => m.Content!));
    }

    /// <summary>Whether a <c>&lt;meta name="..."&gt;</c> carries robots directives for us: <c>robots</c>, or our product token.</summary>
    public static bool IsRobotsMetaName(string? name, string productToken) =>
        name is not null && (name.Equals("robots", StringComparison.OrdinalIgnoreCase) || name.Equals(productToken, StringComparison.OrdinalIgnoreCase));
}
