using System.Text;
using System.Text.Json;
using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Robots;

/// <summary>
/// A host's TDM Reservation Protocol declarations (<c>/.well-known/tdmrep.json</c>): an array of rules, each a
/// <c>location</c> pattern (robots.txt syntax: a path prefix, <c>*</c> wildcards, a final <c>$</c>), a
/// <c>tdm-reservation</c> of 1 or 0 and an optional <c>tdm-policy</c>. The first rule whose location matches decides,
/// as the protocol orders. A missing, unreadable or malformed file declares nothing.
/// </summary>
public sealed class TdmRepRules
{
    /// <summary>Where every host publishes the file.</summary>
    public const string Path = "/.well-known/tdmrep.json";

    private readonly IReadOnlyList<TdmRepRule> _rules;

    private TdmRepRules(IReadOnlyList<TdmRepRule> rules) => _rules = rules;

    /// <summary>No declarations.</summary>
    public static TdmRepRules None { get; } = new([]);

    /// <summary>Reads the file's JSON text; anything but an array of rule objects declares nothing, a rule without a string location is skipped.</summary>
    public static TdmRepRules Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return None;
            }

            var rules = new List<TdmRepRule>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("location", out var location) && location.ValueKind == JsonValueKind.String)
                {
                    var reserved = item.TryGetProperty("tdm-reservation", out var flag)
                        && (flag.ValueKind == JsonValueKind.Number ? flag.TryGetInt32(out var n) && n == 1 : flag.ValueKind == JsonValueKind.String && flag.GetString()?.Trim() == "1");
                    var policy = item.TryGetProperty("tdm-policy", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                    var pattern = location.GetString()!;
                    rules.Add(new TdmRepRule(pattern.StartsWith('/') ? pattern : "/" + pattern, reserved, policy));
                }
            }

            return new TdmRepRules(rules);
        }
        catch (JsonException)
        {
            return None;
        }
    }

    /// <summary>What a fetch of the file gives: its declarations when it was served, else none.</summary>
    public static TdmRepRules From(FetchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Succeeded ? Parse(Encoding.UTF8.GetString(result.Body!)) : None;
    }

    /// <summary>Whether the host served a file with at least one rule.</summary>
    public bool Declares => _rules.Count > 0;

    /// <summary>The rule that reserves <paramref name="url"/>'s TDM rights, or null when none does.</summary>
    public TdmRepRule? ReservationFor(Uri url) => RuleFor(url) is { Reserved: true } rule ? rule : null;

    /// <summary>The first rule whose location matches <paramref name="url"/> (the one that decides), or null.</summary>
    public TdmRepRule? RuleFor(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        return _rules.FirstOrDefault(r => RobotsRules.PatternMatches(r.Location, path));
    }
}
