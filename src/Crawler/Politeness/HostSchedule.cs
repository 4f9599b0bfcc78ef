namespace Pipeline.Crawler.Politeness;

/// <summary>
/// One host's request schedule: hands out send times so that, whoever asks, the host sees no more than its pace
/// (the generic cell rate algorithm: a theoretical arrival time that each request moves one interval on) and
/// nothing while it is paused. Not thread-safe: its owner serializes calls.
/// </summary>
public sealed class HostSchedule
{
    private DateTimeOffset _theoreticalArrival = DateTimeOffset.MinValue;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

    /// <summary>Until when the host is paused (a time in the past when it is not).</summary>
    public DateTimeOffset PausedUntil => _pausedUntil;

    /// <summary>The time the next request may be sent at, without reserving it.</summary>
    public DateTimeOffset Peek(DateTimeOffset now, HostPace pace)
    {
        var start = Later(now, _pausedUntil);
        var arrival = Later(_theoreticalArrival, start);
        return Later(start, arrival - (pace.Interval * (Math.Max(1, pace.Burst) - 1)));
    }

    /// <summary>Reserves the next send time and returns it; the caller sends at or after it.</summary>
    public DateTimeOffset Reserve(DateTimeOffset now, HostPace pace)
    {
        var slot = Peek(now, pace);
        _theoreticalArrival = Later(_theoreticalArrival, Later(now, _pausedUntil)) + pace.Interval;
        return slot;
    }

    /// <summary>Sends nothing before <paramref name="until"/> (a host's Retry-After); a shorter pause than one in force changes nothing.</summary>
    public void Pause(DateTimeOffset until) => _pausedUntil = Later(_pausedUntil, until);

    /// <summary>True when the schedule is as a new one would be: nothing reserved ahead and no pause, so it can be forgotten.</summary>
    public bool IsIdle(DateTimeOffset now) => _theoreticalArrival <= now && _pausedUntil <= now;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
