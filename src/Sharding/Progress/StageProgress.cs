namespace Pipeline.Sharding.Progress;

/// <summary>
/// One progress report of a stage: the one type every stage library reports through <see cref="IProgress{T}"/>,
/// commands print, campaign grains keep and the dashboard shows.
/// </summary>
/// <param name="Stage">The stage or step reporting: queries, count, merge, extract, match, balance, fetch, filter, dedup, overlap, refill.</param>
/// <param name="Message">What it is doing, without the stage's name.</param>
/// <param name="Done">Work done so far (work items, pairs, pages), when the stage counts it.</param>
/// <param name="Total">Work in all, when known.</param>
public sealed record StageProgress(string Stage, string Message, long? Done = null, long? Total = null)
{
    /// <summary>The share done, when both counts are known.</summary>
    public double? Fraction => Done is { } done && Total is > 0 ? Math.Clamp(done / (double)Total.Value, 0, 1) : null;

    /// <summary>The line commands print: <c>stage: message</c>.</summary>
    public override string ToString() => $"{Stage}: {Message}";
}
