using Pipeline.Orchestrator.Campaigns;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>
/// One segment of a campaign's counters log: the fetch chunk reports added since the counters' last checkpoint,
/// a few per segment, so recording a chunk writes a segment, not the counters of every entry.
/// </summary>
[Alias("pipeline.entry-counters-log")]
public interface IEntryCountersLogGrain : IGrainWithStringKey
{
    /// <summary>Appends a report (once: a chunk already in the segment changes nothing) and returns the segment's report count.</summary>
    [Alias("append")]
    Task<int> Append(FetchChunkReport report);

    /// <summary>The segment's reports in the order they were appended.</summary>
    [Alias("read")]
    Task<IReadOnlyList<FetchChunkReport>> Read();

    /// <summary>Removes the segment, once a checkpoint holds its reports.</summary>
    [Alias("clear")]
    Task Clear();
}
