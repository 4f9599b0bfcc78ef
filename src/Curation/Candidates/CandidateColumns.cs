namespace Pipeline.Curation.Candidates;

/// <summary>Which fields of a pool file hold what (configuration section <c>Curation:Candidates</c>); img2dataset's names by default.</summary>
public sealed record CandidateColumns
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Candidates";

    /// <summary>The image URL field (required).</summary>
    public string Url { get; init; } = "url";

    /// <summary>The text field (required).</summary>
    public string Caption { get; init; } = "caption";

    /// <summary>The page URL field (optional).</summary>
    public string PageUrl { get; init; } = "page_url";

    /// <summary>The key field (optional; see <see cref="Candidate.DeriveKey"/>).</summary>
    public string Key { get; init; } = "key";
}
