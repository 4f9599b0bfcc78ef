namespace Pipeline.Curation.Balancing;

/// <summary>One band of exact balancing to rank, self-contained so any worker sharing the spill folder can run it.</summary>
/// <param name="Folder">The spill folder holding the band's scattered matches and its entries.</param>
/// <param name="Band">The band's number.</param>
/// <param name="Window">The most pairs ranked per entry.</param>
/// <param name="SortRows">The most rows the ranking holds in memory at once (at least <see cref="BandRanker.MinSortRows"/>); more are sorted in runs on disk and merged.</param>
public sealed record BandRankItem(string Folder, int Band, int Window, long SortRows)
{
    /// <summary>A short name for progress and error lines.</summary>
    public string Describe() => $"rank band {Band}";

    /// <summary>The path of one of the band's files of kind <paramref name="kind"/> (rows, entries, ranked, ...).</summary>
    public static string PathOf(string folder, string kind, int band) => Path.Combine(folder, $"{kind}-{band:D5}.bin");
}
