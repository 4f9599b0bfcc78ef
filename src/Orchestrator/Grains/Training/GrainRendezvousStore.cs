using Pipeline.Trainer.Collectives;

namespace Pipeline.Orchestrator.Grains.Training;

/// <summary>The collectives' rendezvous served by the job grain, so ranks on different machines need no shared folder to meet.</summary>
public sealed class GrainRendezvousStore(ITrainingJobGrain job) : IRendezvousStore
{
    /// <inheritdoc/>
    public Task SetAsync(string key, string value, CancellationToken cancellationToken) => job.SetKey(key, value).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<string?> TryGetAsync(string key, CancellationToken cancellationToken) => job.GetKey(key).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) => job.DeleteKey(key).WaitAsync(cancellationToken);
}
