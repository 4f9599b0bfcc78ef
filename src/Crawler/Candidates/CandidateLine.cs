using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Crawler.Candidates;

/// <summary>One extracted candidate as a JSON line (snake_case keys), as <c>crawl extract</c> and campaigns write it and the matcher reads it.</summary>
/// <param name="Key">The pair's key (<see cref="ImageCandidate.Key"/>).</param>
/// <param name="Url">The image URL.</param>
/// <param name="Caption">The text.</param>
/// <param name="PageUrl">The page it was found on.</param>
/// <param name="TextSource">Where the text came from, lower case.</param>
public sealed record CandidateLine(string Key, string Url, string Caption, string? PageUrl, string TextSource)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The line for <paramref name="candidate"/>.</summary>
    public static CandidateLine From(ImageCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return new CandidateLine(candidate.Key, candidate.Url, candidate.Caption, candidate.PageUrl, candidate.Source.ToString().ToLowerInvariant());
    }

    /// <summary>The JSON line, without its line break.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
