using Microsoft.Extensions.Logging;
using Pipeline.Curation.Matching;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Thin: lets the curation library's match worker do the partition off the grain scheduler.</summary>
public sealed class MatchWorkerGrain(ILoggerFactory logging, ILocalSiloDetails silo) : Grain, IMatchWorkerGrain
{
    public Task<PartitionMatchResult> Run(MatchWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return WorkItemLog.RunAsync(logging.CreateLogger<MatchWorkerGrain>(), silo.SiloAddress.ToString(), item.Describe(), () => new MatchWorker(logging).RunAsync(item, cancellationToken), cancellationToken);
    }
}
