namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>
/// Keeps the fill summary of an <see cref="EntryCountersState"/> up to date as its counts change: the ranked curves
/// as histograms, the entries below target as a counter, the failing hosts' top ten as a short list. Reading the
/// summary then costs the distinct counts, not the entries or hosts; the first read after activation builds it all once.
/// </summary>
public sealed class EntryFillTracker(EntryCountersState state)
{
    private const int CurvePoints = 400;
    private const int TopHosts = 10;

    private RankedCounts? _filled;
    private RankedCounts? _matched;
    private long _below;
    private List<KeyValuePair<string, long>>? _topHosts;

    /// <summary>Counts <paramref name="entry"/>'s fetched pair.</summary>
    public void AddFetched(int entry)
    {
        var before = state.Fetched.GetValueOrDefault(entry);
        state.Fetched[entry] = before + 1;
        if (_filled is null || state.Final is not null)
        {
            return;
        }

        _filled.Change(before, before + 1);
        if (state.Matched.TryGetValue(entry, out var matched) && before < Target(matched) && before + 1 >= Target(matched))
        {
            _below--;
        }
    }

    /// <summary>Adds failures per host.</summary>
    public void AddHostErrors(IReadOnlyDictionary<string, long> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (host, count) in errors)
        {
            var total = state.ErrorsByHost.GetValueOrDefault(host) + count;
            state.ErrorsByHost[host] = total;
            if (_topHosts is null)
            {
                continue;
            }

            // Totals only grow, so a host enters the top list only by passing its last member.
            var at = _topHosts.FindIndex(p => p.Key == host);
            if (at >= 0)
            {
                _topHosts[at] = new(host, total);
            }
            else if (_topHosts.Count < TopHosts || total > _topHosts[^1].Value)
            {
                _topHosts.Add(new(host, total));
            }
            else
            {
                continue;
            }

            _topHosts.Sort((a, b) => b.Value.CompareTo(a.Value));
            if (_topHosts.Count > TopHosts)
            {
                _topHosts.RemoveAt(TopHosts);
            }
        }
    }

    /// <summary>The fill summary.</summary>
    public EntryFill Fill()
    {
        var filledCounts = state.Final ?? state.Fetched;
        if (_filled is null || _matched is null || _topHosts is null)
        {
            _filled = RankedCounts.Of(filledCounts.Values);
            _matched = RankedCounts.Of(state.Matched.Values);
            _below = state.Matched.LongCount(p => filledCounts.GetValueOrDefault(p.Key) < Target(p.Value));
            _topHosts = [.. state.ErrorsByHost.OrderByDescending(p => p.Value).Take(TopHosts)];
        }

        return new EntryFill(
            state.Entries, state.Matched.Count, (int)_filled.Entries, state.Threshold, (int)_below, _filled.Curve(CurvePoints), _matched.Curve(CurvePoints),
            state.Attempted, state.Images, new Dictionary<string, long>(state.ErrorsByClass), _topHosts.ToDictionary(p => p.Key, p => p.Value),
            state.TopEntries, state.Final is not null, state.Retryable);
    }

    private long Target(long matched) => Math.Min(state.Threshold, matched);
}
