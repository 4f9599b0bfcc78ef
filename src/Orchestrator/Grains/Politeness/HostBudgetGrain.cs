using Pipeline.Crawler.Politeness;

namespace Pipeline.Orchestrator.Grains.Politeness;

/// <summary>
/// Keeps one <see cref="HostSchedule"/> per active host of its partition, in memory: a schedule that is idle (nothing
/// reserved ahead, no pause) is the same as a new one and is forgotten, so the state is bounded by the hosts being
/// fetched now. Losing the activation (a silo dies) only forgets send times already handed out.
/// </summary>
public sealed class HostBudgetGrain : Grain, IHostBudgetGrain
{
    // Forgetting idle hosts costs a pass over the partition's hosts, so it runs once per this many calls.
    private const int PruneEvery = 256;
    private readonly Dictionary<string, HostSchedule> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private int _calls;

    public Task<HostGrant> Grant(string host, HostPace pace, int count, TimeSpan horizon)
    {
        var now = DateTimeOffset.UtcNow;
        var schedule = ScheduleOf(host, now);
        var limit = now + horizon;
        var slots = new List<DateTimeOffset>(Math.Max(1, count));
        do
        {
            slots.Add(schedule.Reserve(now, pace));
        }
        while (slots.Count < count && schedule.Peek(now, pace) <= limit);

        return Task.FromResult(new HostGrant([.. slots]));
    }

    public Task Pause(string host, DateTimeOffset until)
    {
        ScheduleOf(host, DateTimeOffset.UtcNow).Pause(until);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> GetPausedUntil(string host) =>
        Task.FromResult(_hosts.TryGetValue(host, out var schedule) && schedule.PausedUntil > DateTimeOffset.UtcNow ? schedule.PausedUntil : (DateTimeOffset?)null);

    private HostSchedule ScheduleOf(string host, DateTimeOffset now)
    {
        if (++_calls % PruneEvery == 0)
        {
            foreach (var (name, idle) in _hosts)
            {
                if (idle.IsIdle(now))
                {
                    _hosts.Remove(name);
                }
            }
        }

        if (!_hosts.TryGetValue(host, out var schedule))
        {
            _hosts[host] = schedule = new HostSchedule();
        }

        return schedule;
    }
}
