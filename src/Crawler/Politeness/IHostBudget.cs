namespace Pipeline.Crawler.Politeness;

/// <summary>
/// When requests may go to a host. Everyone sharing a budget shares each host's pace and pauses: a fetcher's own
/// budget (<see cref="LocalHostBudget"/>), or a cluster-wide one, so that N workers do not send N times the rate.
/// </summary>
public interface IHostBudget
{
    /// <summary>Waits until a request to <paramref name="host"/> may be sent at <paramref name="pace"/>; the caller then sends exactly one.</summary>
    ValueTask WaitTurnAsync(string host, HostPace pace, CancellationToken cancellationToken);

    /// <summary>Sends nothing more to <paramref name="host"/> before <paramref name="until"/> (it answered 429 or 503 with Retry-After).</summary>
    ValueTask PauseAsync(string host, DateTimeOffset until, CancellationToken cancellationToken);
}
