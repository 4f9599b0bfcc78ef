using System.Text;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// The form of an image URL that exact deduplication compares. Rules, in order:
/// scheme and host lower-cased (international hosts in punycode); the default port (80 for http, 443 for
/// https) removed; the fragment removed; <c>.</c> and <c>..</c> path segments resolved and an empty path made
/// <c>/</c>; percent-escapes of unreserved characters decoded and the others upper-cased; tracking parameters
/// removed (<c>utm_*</c>, <c>fbclid</c>, <c>gclid</c>, <c>dclid</c>, <c>gbraid</c>, <c>wbraid</c>, <c>msclkid</c>,
/// <c>mc_cid</c>, <c>mc_eid</c>, <c>igshid</c>, <c>yclid</c>, <c>_ga</c>, <c>_gl</c>, <c>_hsenc</c>, <c>_hsmi</c>,
/// <c>mkt_tok</c>, <c>spm</c>); the remaining parameters sorted by name, keeping the order of equal names; an
/// empty query removed. The scheme itself is kept (http and https may serve different things), and so are
/// <c>www.</c> and trailing slashes. A string that is not an absolute http(s) URL is only trimmed.
/// </summary>
public static class UrlCanonicalizer
{
    private static readonly HashSet<string> TrackingParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "spm",
    };

    /// <summary>The canonical form of <paramref name="url"/>.</summary>
    public static string Canonicalize(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var trimmed = url.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return trimmed;
        }

        var builder = new StringBuilder(trimmed.Length);
        builder.Append(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            builder.Append(uri.UserInfo).Append('@');
        }

        builder.Append(uri.IdnHost.ToLowerInvariant());
        if (!uri.IsDefaultPort)
        {
            builder.Append(':').Append(uri.Port);
        }

        var path = NormalizeEscapes(uri.AbsolutePath);
        builder.Append(path.Length == 0 ? "/" : path);
        var query = CanonicalQuery(uri.Query);
        if (query.Length > 0)
        {
            builder.Append('?').Append(query);
        }

        return builder.ToString();
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length <= 1)
        {
            return string.Empty;
        }

        var kept = query[1..]
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(NormalizeEscapes)
            .Where(p => !IsTracking(p[..(p.IndexOf('=', StringComparison.Ordinal) is var eq && eq >= 0 ? eq : p.Length)]))
            .Select((p, i) => (Name: p.Split('=')[0], Order: i, Text: p))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Order)
            .Select(p => p.Text);
        return string.Join('&', kept);
    }

    private static bool IsTracking(string name) =>
        name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || TrackingParameters.Contains(name);

    /// <summary>Decodes %XX of unreserved characters (RFC 3986 §6.2.2.2) and upper-cases the hex of the rest.</summary>
    private static string NormalizeEscapes(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                var value = (char)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2]));
                if (char.IsAsciiLetterOrDigit(value) || value is '-' or '.' or '_' or '~')
                {
                    builder.Append(value);
                }
                else
                {
                    builder.Append('%').Append(char.ToUpperInvariant(text[i + 1])).Append(char.ToUpperInvariant(text[i + 2]));
                }

                i += 2;
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }
}
