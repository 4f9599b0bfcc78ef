namespace Pipeline.Curation.Balancing;

/// <summary>Ranks bands of exact balancing somewhere: in this process, or on a worker of an Orleans cluster.</summary>
public interface IBandRankRunner
{
    /// <summary>Ranks the band of <paramref name="item"/> and returns the most pairs it held at once; ranking a band twice gives the same file.</summary>
    Task<long> RankAsync(BandRankItem item, CancellationToken cancellationToken);
}
