namespace Pipeline.Crawler.Stages;

/// <summary>A refresh run's <c>summary.json</c>: what was checked and what was found, per class and per status.</summary>
/// <param name="Run">The run number (the folder <c>refresh/NNNN</c>).</param>
/// <param name="Store">The store checked.</param>
/// <param name="Shards">Shards checked.</param>
/// <param name="Samples">Samples checked.</param>
/// <param name="ByClass">Samples per class (alive, changed, dead, unreachable).</param>
/// <param name="ByStatus">Samples per HTTP status, or per fetch error class where no response arrived.</param>
/// <param name="Started">When the run started (UTC).</param>
/// <param name="Finished">When it finished (UTC).</param>
/// <param name="Seconds">Seconds this invocation spent checking (a resumed run counts only its own).</param>
public sealed record RefreshSummary(
    int Run, string Store, int Shards, long Samples, IReadOnlyDictionary<string, long> ByClass, IReadOnlyDictionary<string, long> ByStatus,
    DateTimeOffset Started, DateTimeOffset Finished, double Seconds)
{
    /// <summary>Samples of class <paramref name="refreshClass"/>.</summary>
    public long Count(RefreshClass refreshClass) => ByClass.GetValueOrDefault(refreshClass.ToString().ToLowerInvariant());
}
