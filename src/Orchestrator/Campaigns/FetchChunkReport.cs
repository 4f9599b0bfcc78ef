namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// What fetching one chunk (or a retry round of it) did: counts, the entries whose pairs were fetched, errors by class
/// and host, and the change in entries whose last status is a retryable failure.
/// </summary>
[GenerateSerializer]
[Alias("pipeline.fetch-chunk-report")]
public sealed record FetchChunkReport(
    [property: Id(0)] string Chunk,
    [property: Id(1)] int Entries,
    [property: Id(2)] int Images,
    [property: Id(3)] bool AlreadyDone,
    [property: Id(4)] IReadOnlyList<int> FetchedEntries,
    [property: Id(5)] IReadOnlyDictionary<string, long> ErrorsByClass,
    [property: Id(6)] IReadOnlyDictionary<string, long> ErrorsByHost,
    [property: Id(7)] long Retryable = 0);
