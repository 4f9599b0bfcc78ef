namespace Pipeline.Benchmarks;

/// <summary>One stage at one N, kept for the growth lines.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="N">Candidates in the pool.</param>
/// <param name="Items">What the stage consumed (candidates, pairs or samples).</param>
/// <param name="WallSeconds">Its wall time.</param>
/// <param name="PeakRssBytes">Its process's peak resident memory.</param>
internal sealed record ScaleMeasurement(string Stage, long N, long Items, double WallSeconds, long PeakRssBytes)
{
    public double MicrosecondsPerItem => WallSeconds * 1e6 / Items;
}
