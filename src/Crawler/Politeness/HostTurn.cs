namespace Pipeline.Crawler.Politeness;

/// <summary>When a granted send time has gone by: a request sent that late could bunch up with the next one's.</summary>
public static class HostTurn
{
    /// <summary>
    /// True when <paramref name="now"/> is more than half an interval past <paramref name="slot"/> (the process or its
    /// timers stalled); the caller drops the time and asks for a new one, so a stall never releases requests at once.
    /// Without a pace nothing is ever missed.
    /// </summary>
    public static bool IsMissed(DateTimeOffset slot, DateTimeOffset now, HostPace pace) =>
        pace.Interval > TimeSpan.Zero && now - slot > pace.Interval / 2;
}
