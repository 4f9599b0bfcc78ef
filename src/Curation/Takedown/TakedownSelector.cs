using System.Globalization;
using System.Numerics;
using Pipeline.Curation.Dedup;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Takedown;

/// <summary>One thing a takedown removes: samples by URL, by domain (and its subdomains), by key, or by perceptual hash within a distance.</summary>
/// <param name="Kind">What is compared.</param>
/// <param name="Value">The canonical URL, the lower-case ASCII domain, the key, or the hash as 16 hex digits.</param>
/// <param name="Distance">For <see cref="TakedownSelectorKind.Phash"/>: the largest Hamming distance that matches (0 to 64).</param>
public sealed record TakedownSelector(TakedownSelectorKind Kind, string Value, int Distance = 0)
{
    private static readonly IdnMapping Idn = new();

    private ulong? _hash;

    /// <summary>Parses a selector as given on the command line; <see cref="ArgumentException"/> says what is wrong with it.</summary>
    public static TakedownSelector Parse(TakedownSelectorKind kind, string value, int distance = 0)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = value.Trim();
        if (value.Length == 0)
        {
            throw new ArgumentException($"--{Flag(kind)}: empty value");
        }

        switch (kind)
        {
            case TakedownSelectorKind.Url:
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ArgumentException($"--url: '{value}' is not an absolute http(s) URL");
                }

                return new(kind, UrlCanonicalizer.Canonicalize(value));
            case TakedownSelectorKind.Domain:
                var domain = value.TrimStart('*').Trim('.');
                try
                {
                    domain = Idn.GetAscii(domain).ToLowerInvariant();
                }
                catch (ArgumentException)
                {
                    throw new ArgumentException($"--domain: '{value}' is not a domain name");
                }

                if (domain.Length == 0 || domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')))
                {
                    throw new ArgumentException($"--domain: '{value}' is not a domain name");
                }

                return new(kind, domain);
            case TakedownSelectorKind.Phash:
                var hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
                if (hex.Length is 0 or > 16 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash))
                {
                    throw new ArgumentException($"--phash: '{value}' is not a 64-bit hash in hex (up to 16 digits)");
                }

                if (distance is < 0 or > 64)
                {
                    throw new ArgumentException($"--distance must be between 0 and 64, got {distance}");
                }

                return new(kind, hash.ToString("x16", CultureInfo.InvariantCulture), distance);
            default:
                return new(kind, value);
        }
    }

    /// <summary>Whether <paramref name="sample"/> is selected; <paramref name="hash"/> is its perceptual hash (stored or computed), null when it has none.</summary>
    public bool Matches(Sample sample, ulong? hash)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Kind switch
        {
            TakedownSelectorKind.Url => SameUrl(sample.Url) || SameUrl(sample.PageUrl),
            TakedownSelectorKind.Domain => InDomain(sample.Url) || InDomain(sample.PageUrl),
            TakedownSelectorKind.Key => sample.Key == Value,
            TakedownSelectorKind.Phash => hash is { } h && BitOperations.PopCount(h ^ HashValue) <= Distance,
            _ => false,
        };
    }

    /// <summary>The selector as the log and the summary name it: <c>url https://...</c>, <c>domain example.com</c>, <c>key K</c>, <c>phash H within N</c>.</summary>
    public override string ToString() => Kind switch
    {
        TakedownSelectorKind.Phash => string.Create(CultureInfo.InvariantCulture, $"phash {Value} within {Distance}"),
        _ => $"{Flag(Kind)} {Value}",
    };

    private ulong HashValue => _hash ??= ulong.Parse(Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static string Flag(TakedownSelectorKind kind) => kind.ToString().ToLowerInvariant();

    private bool SameUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return false;
        }

        return UrlCanonicalizer.Canonicalize(url) == Value;
    }

    private bool InDomain(string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return host == Value || host.EndsWith("." + Value, StringComparison.Ordinal);
    }
}
