using Pipeline.Curation.Balancing;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Ranks bands of exact balancing on the cluster: each band is a call to its own <see cref="IBalanceWorkerGrain"/>.</summary>
public sealed class GrainBandRankRunner(IGrainFactory grains) : IBandRankRunner
{
    /// <inheritdoc/>
    public Task<long> RankAsync(BandRankItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return grains.GetGrain<IBalanceWorkerGrain>($"{item.Folder}|{item.Band}").Rank(item, cancellationToken);
    }
}
