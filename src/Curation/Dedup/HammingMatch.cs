namespace Pipeline.Curation.Dedup;

/// <summary>One hash found near a query: its position in the index and its Hamming distance from the query.</summary>
public readonly record struct HammingMatch(int Index, int Distance);
