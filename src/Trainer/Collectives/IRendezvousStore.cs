namespace Pipeline.Trainer.Collectives;

/// <summary>
/// Where the ranks of one training run find each other: rank 0 publishes how to reach it (an address, or NCCL's
/// unique id) and the others wait for it. A file folder serves one machine or a shared file system; the
/// orchestrator can back the same interface with a grain.
/// </summary>
public interface IRendezvousStore
{
    /// <summary>Publishes <paramref name="value"/> under <paramref name="key"/>, replacing an earlier value.</summary>
    Task SetAsync(string key, string value, CancellationToken cancellationToken);

    /// <summary>The value under <paramref name="key"/>, or null when none was published.</summary>
    Task<string?> TryGetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="key"/>, so a later run does not read this run's value.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
