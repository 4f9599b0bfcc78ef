namespace Pipeline.Crawler.Robots;

/// <summary>
/// The opt-out signals a crawl honours, each on by default except <c>noindex</c> (which opts out of search, not of
/// data use): robots directives in <c>X-Robots-Tag</c> headers and meta robots (<c>noai</c>, <c>noimageai</c>,
/// <c>noml</c>, <c>noimageindex</c>, <c>noindex</c>/<c>none</c>), and the TDM Reservation Protocol's
/// <c>tdm-reservation: 1</c> (header or meta).
/// </summary>
public sealed record ConsentSignals
{
    /// <summary><c>noai</c> opts out.</summary>
    public bool NoAi { get; set; } = true;

    /// <summary><c>noimageai</c> opts out.</summary>
    public bool NoImageAi { get; set; } = true;

    /// <summary><c>noml</c> opts out.</summary>
    public bool NoMl { get; set; } = true;

    /// <summary><c>noimageindex</c> opts out.</summary>
    public bool NoImageIndex { get; set; } = true;

    /// <summary><c>noindex</c> and <c>none</c> opt out too.</summary>
    public bool NoIndex { get; set; }

    /// <summary>The TDM Reservation Protocol's <c>tdm-reservation: 1</c> (HTTP header or <c>&lt;meta name="tdm-reservation"&gt;</c>) opts out.</summary>
    public bool TdmReservation { get; set; } = true;

    /// <summary>Whether robots directive <paramref name="directive"/> opts out under these settings.</summary>
    public bool OptsOut(ReadOnlySpan<char> directive) =>
        (NoAi && directive.Equals("noai", StringComparison.OrdinalIgnoreCase))
        || (NoImageAi && directive.Equals("noimageai", StringComparison.OrdinalIgnoreCase))
        || (NoMl && directive.Equals("noml", StringComparison.OrdinalIgnoreCase))
        || (NoImageIndex && directive.Equals("noimageindex", StringComparison.OrdinalIgnoreCase))
        || (NoIndex && (directive.Equals("noindex", StringComparison.OrdinalIgnoreCase) || directive.Equals("none", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The TDM reservation among <paramref name="values"/> (a header's or a meta's) that opts out, or null.</summary>
    public string? TdmOptOut(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return TdmReservation && values.Any(v => v.Trim() == "1") ? "tdm-reservation: 1" : null;
    }
}
