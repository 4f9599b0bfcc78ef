namespace Pipeline.Curation.DataCards;

/// <summary>What balancing did to the per-entry distribution; written as <c>datacard.json</c>.</summary>
public sealed record DataCard
{
    /// <summary>Balancing mode.</summary>
    public required string Mode { get; init; }

    /// <summary>t, the per-entry cap.</summary>
    public required int Threshold { get; init; }

    /// <summary>The seed of the choice.</summary>
    public required ulong Seed { get; init; }

    /// <summary>Entries in the list.</summary>
    public required int Entries { get; init; }

    /// <summary>Entries with at least one match in the pool.</summary>
    public required int EntriesMatched { get; init; }

    /// <summary>Entries with at least one pair kept for them.</summary>
    public required int EntriesWithKeptPairs { get; init; }

    /// <summary>Entries with more than t matches: the head that balancing cuts.</summary>
    public required int CappedEntries { get; init; }

    /// <summary>Pairs that matched at least one entry (balancing's input).</summary>
    public required long PairsMatched { get; init; }

    /// <summary>Pairs kept.</summary>
    public required long PairsKept { get; init; }

    /// <summary>Pairs held in reserve.</summary>
    public required long PairsReserve { get; init; }

    /// <summary>Share of matched pairs that match at least one capped entry.</summary>
    public required double ShareInCappedEntriesBefore { get; init; }

    /// <summary>Share of kept pairs that are kept for a capped entry.</summary>
    public required double ShareInCappedEntriesAfter { get; init; }

    /// <summary>The most pairs kept for one entry.</summary>
    public required long MaxKeptForOneEntry { get; init; }

    /// <summary>The entries with the most matches, before and after.</summary>
    public required IReadOnlyList<DataCardEntry> Head { get; init; }

    /// <summary>Entries and pairs per decade of count, before and after: the head/tail distribution.</summary>
    public required IReadOnlyList<DataCardBucket> Distribution { get; init; }
}

/// <summary>One entry's counts.</summary>
/// <param name="Id">Entry id.</param>
/// <param name="Text">The entry.</param>
/// <param name="Matched">Pairs in the pool that match it.</param>
/// <param name="KeptFor">Pairs kept for it.</param>
/// <param name="Reserve">Pairs held in reserve for it.</param>
public sealed record DataCardEntry(int Id, string Text, long Matched, long KeptFor, long Reserve);

/// <summary>Entries whose count falls in [<paramref name="From"/>, <paramref name="To"/>].</summary>
/// <param name="From">Lowest count in the bucket.</param>
/// <param name="To">Highest count in the bucket.</param>
/// <param name="EntriesBefore">Entries whose match count is in the bucket.</param>
/// <param name="EntriesAfter">Entries whose kept count is in the bucket.</param>
public sealed record DataCardBucket(long From, long To, int EntriesBefore, int EntriesAfter);
