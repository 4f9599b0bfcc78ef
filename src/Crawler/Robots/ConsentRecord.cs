using System.Text;

namespace Pipeline.Crawler.Robots;

/// <summary>
/// What a fetch saw of a host's consent signals when it was allowed: the robots.txt verdict, the
/// <c>X-Robots-Tag</c> directives and <c>tdm-reservation</c> header even when they do not opt out for us, and the
/// <c>tdmrep.json</c> rule that covered the URL. <see cref="Signals"/> is the compact form a shard stores per sample.
/// </summary>
/// <param name="UserAgent">The User-Agent sent.</param>
/// <param name="Robots">robots.txt: <c>allow</c> (no rule matched), <c>allow(PATTERN)</c> (an Allow rule decided), <c>none</c> (no robots.txt) or <c>off</c> (not consulted).</param>
/// <param name="XRobotsTag">The response's <c>X-Robots-Tag</c> values, lower-cased and comma-joined; null when absent.</param>
/// <param name="TdmReservation">The response's <c>tdm-reservation</c> header; null when absent.</param>
/// <param name="TdmRep">tdmrep.json: <c>0</c> (a rule covers the URL and reserves nothing), <c>unmatched</c> (no rule covers it), <c>none</c> (no file) or <c>off</c> (not consulted).</param>
/// <param name="TdmPolicy">The covering tdmrep.json rule's <c>tdm-policy</c>; null when none.</param>
public sealed record ConsentRecord(string UserAgent, string Robots, string? XRobotsTag, string? TdmReservation, string TdmRep, string? TdmPolicy)
{
    /// <summary>The longest a single signal's value is kept (longer ones are cut and end in <c>...</c>), so a record stays small.</summary>
    public const int MaxValueLength = 120;

    /// <summary>
    /// The compact record: <c>decision=allow;robots.txt=...;x-robots-tag=...;tdm-reservation=...;tdmrep=...;tdm-policy=...</c>,
    /// absent signals left out. Values never hold <c>;</c>, <c>=</c> or white space.
    /// </summary>
    public string Signals
    {
        get
        {
            var builder = new StringBuilder("decision=allow");
            Append(builder, "robots.txt", Robots);
            Append(builder, "x-robots-tag", XRobotsTag);
            Append(builder, "tdm-reservation", TdmReservation);
            Append(builder, "tdmrep", TdmRep);
            Append(builder, "tdm-policy", TdmPolicy);
            return builder.ToString();
        }
    }

    /// <summary>Header values as one compact value: trimmed, lower-cased, comma-joined; null when there are none.</summary>
    public static string? Join(IEnumerable<string>? values)
    {
        var joined = values is null ? null : string.Join(',', values.Select(v => v.Trim()).Where(v => v.Length > 0));
        return string.IsNullOrEmpty(joined) ? null : joined.ToLowerInvariant();
    }

    private static void Append(StringBuilder builder, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        builder.Append(';').Append(key).Append('=');
        var start = builder.Length;
        foreach (var c in value)
        {
            if (builder.Length - start >= MaxValueLength)
            {
                builder.Append("...");
                break;
            }

            // The separators would break the record apart; white space only costs bytes.
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c is ';' or '=' ? ',' : c);
            }
        }
    }
}
