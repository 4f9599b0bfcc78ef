using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Politeness;

/// <summary>
/// A budget kept in this process: one <see cref="HostSchedule"/> per host, for the most recently used hosts only,
/// so a crawl over millions of hosts keeps bounded state (a forgotten host starts afresh, which is what an idle
/// host's schedule is anyway).
/// </summary>
public sealed class LocalHostBudget(int maxHosts = FetcherOptions.DefaultMaxHostsTracked, TimeProvider? time = null) : IHostBudget
{
    private readonly RecentHostCache<HostSchedule> _hosts = new(maxHosts);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <inheritdoc/>
    public async ValueTask WaitTurnAsync(string host, HostPace pace, CancellationToken cancellationToken)
    {
        var schedule = _hosts.GetOrAdd(host, static _ => new HostSchedule());
        while (true)
        {
            var now = _time.GetUtcNow();
            DateTimeOffset slot;
            lock (schedule)
            {
                slot = schedule.Reserve(now, pace);
            }

            if (slot > now)
            {
                await Task.Delay(slot - now, _time, cancellationToken);
            }

            if (!HostTurn.IsMissed(slot, _time.GetUtcNow(), pace))
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask PauseAsync(string host, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var schedule = _hosts.GetOrAdd(host, static _ => new HostSchedule());
        lock (schedule)
        {
            schedule.Pause(until);
        }

        return ValueTask.CompletedTask;
    }
}
