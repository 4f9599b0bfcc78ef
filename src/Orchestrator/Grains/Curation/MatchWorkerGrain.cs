using Microsoft.Extensions.Logging;
using Pipeline.Curation.Matching;

namespace Pipeline.Orchestrator.Grains.Curation;

/// <summary>Thin: lets the curation library's match worker do the partition off the grain scheduler.</summary>
public sealed class MatchWorkerGrain(ILoggerFactory logging) : Grain, IMatchWorkerGrain
{
    public Task<PartitionMatchResult> Run(MatchWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Task.Run(() => new MatchWorker(logging).RunAsync(item, cancellationToken), cancellationToken);
    }
}
