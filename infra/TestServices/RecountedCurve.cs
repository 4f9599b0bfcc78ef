namespace Pipeline.TestServices;

/// <summary>
/// The ranked head-to-tail curve computed from scratch by sorting every count, as the entry counters did before they
/// kept it up to date: the reference tests compare the incremental curve with, and the baseline the bench times.
/// </summary>
public static class RecountedCurve
{
    /// <summary>The counts sorted from the head down; past <paramref name="points"/>, thinned to log-spaced ranks.</summary>
    public static List<long> Of(IEnumerable<long> counts, int points = 400)
    {
        var ranked = counts.OrderDescending().ToList();
        if (ranked.Count <= points)
        {
            return ranked;
        }

        var curve = new List<long>(points);
        var step = Math.Log(ranked.Count) / (points - 1);
        for (var i = 0; i < points; i++)
        {
            curve.Add(ranked[Math.Min(ranked.Count - 1, (int)Math.Exp(i * step) - 1)]);
        }

        return curve;
    }
}
