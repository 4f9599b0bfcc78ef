namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>
/// A multiset of per-entry counts kept as a histogram (count → entries with it), so the ranked head-to-tail curve
/// costs the number of distinct counts, not the number of entries, and a count's change costs O(1).
/// </summary>
public sealed class RankedCounts
{
    private readonly Dictionary<long, long> _entriesWith = [];
    private long[]? _descending;

    /// <summary>Entries with a count above zero.</summary>
    public long Entries { get; private set; }

    /// <summary>The histogram of <paramref name="counts"/>.</summary>
    public static RankedCounts Of(IEnumerable<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var ranked = new RankedCounts();
        foreach (var count in counts)
        {
            ranked.Change(0, count);
        }

        return ranked;
    }

    /// <summary>One entry's count went from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public void Change(long before, long after)
    {
        if (before == after)
        {
            return;
        }

        if (before > 0)
        {
            var left = _entriesWith[before] - 1;
            if (left == 0)
            {
                _entriesWith.Remove(before);
                _descending = null;
            }
            else
            {
                _entriesWith[before] = left;
            }

            Entries--;
        }

        if (after > 0)
        {
            if (_entriesWith.TryGetValue(after, out var with))
            {
                _entriesWith[after] = with + 1;
            }
            else
            {
                _entriesWith[after] = 1;
                _descending = null;
            }

            Entries++;
        }
    }

    /// <summary>
    /// The counts sorted from the head down; past <paramref name="points"/> entries, thinned to log-spaced ranks so
    /// the tail keeps its shape: rank <c>exp(i ln(n) / (points - 1)) - 1</c> for i = 0 .. points - 1.
    /// </summary>
    public List<long> Curve(int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        _descending ??= [.. _entriesWith.Keys.OrderDescending()];
        var n = Entries;
        var ranks = new List<long>(points);
        if (n <= points)
        {
            for (var i = 0; i < n; i++)
            {
                ranks.Add(i);
            }
        }
        else
        {
            var step = Math.Log(n) / (points - 1);
            for (var i = 0; i < points; i++)
            {
                ranks.Add(Math.Min(n - 1, (long)Math.Exp(i * step) - 1));
            }
        }

        // Ranks ascend; walk the distinct counts from the top with the entries ranked above each.
        var curve = new List<long>(ranks.Count);
        long above = 0;
        var value = 0;
        foreach (var rank in ranks)
        {
            while (rank >= above + _entriesWith[_descending[value]])
            {
                above += _entriesWith[_descending[value]];
                value++;
            }

            curve.Add(_descending[value]);
        }

        return curve;
    }
}
