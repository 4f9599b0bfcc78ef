using Microsoft.Extensions.Logging;
using Pipeline.Curation.Balancing;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Thin: lets the curation library's band ranker do the band off the grain scheduler.</summary>
public sealed class BalanceWorkerGrain(ILocalSiloDetails silo, ILogger<BalanceWorkerGrain> logger) : Grain, IBalanceWorkerGrain
{
    public Task<long> Rank(BandRankItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return WorkItemLog.RunAsync(logger, silo.SiloAddress.ToString(), item.Describe(), () => new BandRanker().RankAsync(item, cancellationToken), cancellationToken);
    }
}
