using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Robots;

/// <summary>
/// Fetches a file every host publishes at one path (<c>/robots.txt</c>, <c>/.well-known/tdmrep.json</c>) once per
/// host, concurrent callers sharing the fetch, and keeps what it says for a while; the least recently used hosts are
/// forgotten first.
/// </summary>
/// <typeparam name="T">What the file says, read from the fetch's result.</typeparam>
/// <param name="path">The file's path on every host.</param>
/// <param name="fetch">Fetches the file's URL.</param>
/// <param name="interpret">Reads the fetch's result (a failure included) of the file's URL.</param>
/// <param name="lifetime">How long a host's file is reused.</param>
/// <param name="maxHosts">Hosts kept at most.</param>
public sealed class HostFileCache<T>(string path, Func<Uri, CancellationToken, Task<FetchResult>> fetch, Func<Uri, FetchResult, T> interpret, TimeSpan lifetime, int maxHosts)
{
    private readonly RecentHostCache<Entry> _hosts = new(maxHosts);

    private int _fetches;

    /// <summary>Files fetched so far.</summary>
    public int Fetches => _fetches;

    /// <summary>What the file of <paramref name="url"/>'s host says.</summary>
    public async Task<T> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var authority = url.GetLeftPart(UriPartial.Authority);
        var now = Environment.TickCount64;
        // The fetch starts outside the cache's lock, once per entry: concurrent callers share it.
        var entry = _hosts.AddOrUpdate(
            authority,
            a => new Entry(new Lazy<Task<T>>(() => LoadAsync(new Uri(a + path))), now),
            (a, existing) => existing.Value.IsValueCreated && existing.Value.Value.IsCompleted && now - existing.Fetched > (long)lifetime.TotalMilliseconds
                ? new Entry(new Lazy<Task<T>>(() => LoadAsync(new Uri(a + path))), now)
                : existing);
        return await entry.Value.Value.WaitAsync(cancellationToken);
    }

    private async Task<T> LoadAsync(Uri fileUrl)
    {
        Interlocked.Increment(ref _fetches);
        return interpret(fileUrl, await fetch(fileUrl, CancellationToken.None));
    }

    /// <summary>A host's reading, loaded on first use, and when it was asked for.</summary>
    private sealed record Entry(Lazy<Task<T>> Value, long Fetched);
}
