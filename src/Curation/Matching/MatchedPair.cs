namespace Pipeline.Curation.Matching;

/// <summary>A candidate pair with the entries its caption matched and, once balanced, the balancing decision.</summary>
/// <param name="Key">The pair's stable key.</param>
/// <param name="Url">The image URL.</param>
/// <param name="Caption">The caption.</param>
/// <param name="PageUrl">The page URL, when known.</param>
/// <param name="EntryIds">Every matched entry id, ascending.</param>
public sealed record MatchedPair(string Key, string Url, string Caption, string? PageUrl, IReadOnlyList<int> EntryIds)
{
    /// <summary>What balancing decided for the pair; null before balancing.</summary>
    public BalanceDecision? Balance { get; init; }
}
