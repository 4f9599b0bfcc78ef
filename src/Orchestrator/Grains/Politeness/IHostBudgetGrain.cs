using Pipeline.Crawler.Politeness;

namespace Pipeline.Orchestrator.Grains.Politeness;

/// <summary>
/// The cluster's request schedules for the hosts of one partition (hosts are hashed onto a fixed number of
/// partitions, so millions of hosts cost a few grains). Every silo's fetchers get their send times here, in batches.
/// </summary>
[Alias("pipeline.host-budget")]
public interface IHostBudgetGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Reserves up to <paramref name="count"/> send times for <paramref name="host"/> at <paramref name="pace"/>: always
    /// one, and more only while they fall within <paramref name="horizon"/> from now, so a batch cannot outlive a pause by long.
    /// </summary>
    [Alias("grant")]
    Task<HostGrant> Grant(string host, HostPace pace, int count, TimeSpan horizon);

    /// <summary>Grants nothing for <paramref name="host"/> before <paramref name="until"/>.</summary>
    [Alias("pause")]
    Task Pause(string host, DateTimeOffset until);

    /// <summary>Until when <paramref name="host"/> is paused; null when it is not.</summary>
    [Alias("paused-until")]
    Task<DateTimeOffset?> GetPausedUntil(string host);
}
