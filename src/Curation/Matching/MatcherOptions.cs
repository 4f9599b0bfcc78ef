namespace Pipeline.Curation.Matching;

/// <summary>How captions are matched against entries (configuration section <c>Curation:Matching</c>).</summary>
public sealed record MatcherOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Matching";

    /// <summary>
    /// Match regardless of case: entries and text are lower-cased char by char with the invariant culture's simple
    /// case mapping before matching. Off by default, as in MetaCLIP.
    /// </summary>
    public bool CaseInsensitive { get; init; }
}
