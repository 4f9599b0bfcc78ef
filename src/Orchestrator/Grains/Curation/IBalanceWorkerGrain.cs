using Pipeline.Curation.Balancing;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Ranks one band of exact balancing on whichever silo it is placed; one activation per band, so bands spread over the cluster.</summary>
[Alias("pipeline.balance-worker")]
public interface IBalanceWorkerGrain : IGrainWithStringKey
{
    /// <summary>Ranks the band and returns the most pairs it held at once; cancelling the call cancels the work.</summary>
    [Alias("rank-band")]
    [ResponseTimeout("04:00:00")]
    Task<long> Rank(BandRankItem item, CancellationToken cancellationToken);
}
