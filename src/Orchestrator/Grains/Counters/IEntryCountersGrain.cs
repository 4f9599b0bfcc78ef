using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>A campaign's per-entry counters: pairs matched and images fetched per entry, and fetch errors by class and host.</summary>
[Alias("pipeline.entry-counters")]
public interface IEntryCountersGrain : IGrainWithStringKey
{
    /// <summary>Sets the matched counts (entry id to pairs) after matching; the top entries' names are for display.</summary>
    [Alias("set-matched")]
    Task SetMatched(int entries, int threshold, Dictionary<int, long> matched, IReadOnlyList<string> topEntries);

    /// <summary>Adds a fetched chunk once; a chunk added again (redone after a lost lease) changes nothing.</summary>
    [Alias("add-chunk")]
    Task AddChunk(FetchChunkReport report);

    /// <summary>Sets the final samples per entry (after dedup and refill); the fill counts them from now on.</summary>
    [Alias("set-final")]
    Task SetFinal(Dictionary<int, long> final);

    /// <summary>Sets every count back to zero, for a campaign replaced under the same name.</summary>
    [Alias("forget")]
    Task Forget();

    /// <summary>The fill summary.</summary>
    [Alias("fill")]
    Task<EntryFill> GetFill();
}
