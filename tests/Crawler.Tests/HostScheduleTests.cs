using Pipeline.Crawler.Politeness;

namespace Pipeline.Crawler.Tests;

/// <summary>The per-host schedule every budget (a fetcher's own or the cluster's) hands send times from.</summary>
public class HostScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Spaces_requests_asked_for_at_once_by_the_interval()
    {
        var schedule = new HostSchedule();

        var slots = Enumerable.Range(0, 4).Select(_ => schedule.Reserve(T0, new HostPace(Interval, 1))).ToList();

        Assert.Equal([T0, T0 + Interval, T0 + (2 * Interval), T0 + (3 * Interval)], slots);
        Assert.False(schedule.IsIdle(T0 + (3 * Interval)));
        Assert.True(schedule.IsIdle(T0 + (4 * Interval)));
    }

    [Fact]
    public void Lets_a_burst_go_at_once_after_a_quiet_spell_then_keeps_the_pace()
    {
        var schedule = new HostSchedule();
        var pace = new HostPace(Interval, 3);

        var slots = Enumerable.Range(0, 5).Select(_ => schedule.Reserve(T0, pace)).ToList();
        var later = T0 + TimeSpan.FromSeconds(10);
        var afterQuiet = Enumerable.Range(0, 3).Select(_ => schedule.Reserve(later, pace)).ToList();

        Assert.Equal([T0, T0, T0, T0 + Interval, T0 + (2 * Interval)], slots);
        Assert.Equal([later, later, later], afterQuiet);
    }

    [Fact]
    public void A_pause_holds_every_request_until_it_ends_and_a_shorter_one_changes_nothing()
    {
        var schedule = new HostSchedule();
        var pace = new HostPace(Interval, 1);
        schedule.Reserve(T0, pace);

        schedule.Pause(T0 + TimeSpan.FromSeconds(3));
        schedule.Pause(T0 + TimeSpan.FromSeconds(1));

        Assert.Equal(T0 + TimeSpan.FromSeconds(3), schedule.Peek(T0, pace));
        Assert.Equal(T0 + TimeSpan.FromSeconds(3), schedule.Reserve(T0 + TimeSpan.FromSeconds(1), pace));
        Assert.Equal(T0 + TimeSpan.FromSeconds(3) + Interval, schedule.Reserve(T0 + TimeSpan.FromSeconds(1), pace));
        Assert.Equal(T0 + TimeSpan.FromSeconds(3), schedule.PausedUntil);
    }

    [Fact]
    public void No_limit_sends_at_once_except_while_paused()
    {
        var schedule = new HostSchedule();
        var unlimited = HostPace.Of(0, 1);

        Assert.Equal(T0, schedule.Reserve(T0, unlimited));
        Assert.Equal(T0, schedule.Reserve(T0, unlimited));
        schedule.Pause(T0 + TimeSpan.FromSeconds(2));
        Assert.Equal(T0 + TimeSpan.FromSeconds(2), schedule.Reserve(T0, unlimited));
    }

    [Fact]
    public void A_crawl_delay_longer_than_the_rate_wins_and_allows_no_burst()
    {
        var pace = HostPace.Of(4, 3);

        Assert.Equal(new HostPace(TimeSpan.FromSeconds(2), 1), pace.WithCrawlDelay(TimeSpan.FromSeconds(2)));
        Assert.Equal(new HostPace(TimeSpan.FromSeconds(0.25), 1), pace.WithCrawlDelay(TimeSpan.FromSeconds(0.1)));
        Assert.Equal(pace, pace.WithCrawlDelay(null));
    }

    [Fact]
    public void A_send_time_more_than_half_an_interval_gone_is_missed_except_without_a_pace()
    {
        var pace = new HostPace(Interval, 1);

        Assert.False(HostTurn.IsMissed(T0, T0 + (Interval / 2), pace));
        Assert.True(HostTurn.IsMissed(T0, T0 + Interval, pace));
        Assert.False(HostTurn.IsMissed(T0, T0 + TimeSpan.FromHours(1), HostPace.Of(0, 1)));
    }
}
