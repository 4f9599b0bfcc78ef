namespace Pipeline.Curation.Balancing;

/// <summary>How the per-entry cap t is applied.</summary>
public enum BalanceMode
{
    /// <summary>WIT's "up to t pairs per query": no entry ends with more than t pairs kept for it; each pair is kept for at most one entry.</summary>
    Exact,

    /// <summary>MetaCLIP's: each entry keeps a pair with probability min(1, t / count); a pair is kept when any of its entries' coins pass.</summary>
    MetaClip,
}
