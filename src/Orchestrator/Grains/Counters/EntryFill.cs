namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>
/// How full the entries are: matched and fetched entries, those below target, a ranked head/tail curve, and fetch errors.
/// Once the refill is done (<see cref="Final"/>), "fetched" counts the final samples per entry, after dedup and refill.
/// </summary>
[GenerateSerializer]
[Alias("pipeline.entry-fill")]
public sealed record EntryFill(
    [property: Id(0)] int Entries,
    [property: Id(1)] int EntriesMatched,
    [property: Id(2)] int EntriesFetched,
    [property: Id(3)] int Threshold,
    [property: Id(4)] int BelowTarget,
    [property: Id(5)] IReadOnlyList<long> RankedFetched,
    [property: Id(6)] IReadOnlyList<long> RankedMatched,
    [property: Id(7)] long Attempted,
    [property: Id(8)] long Images,
    [property: Id(9)] IReadOnlyDictionary<string, long> ErrorsByClass,
    [property: Id(10)] IReadOnlyDictionary<string, long> ErrorsByHost,
    [property: Id(11)] IReadOnlyList<string> TopEntries,
    [property: Id(12)] bool Final = false,
    [property: Id(13)] long Retryable = 0);
