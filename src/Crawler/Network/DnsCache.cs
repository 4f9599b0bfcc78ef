using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Crawler.Network;

/// <summary>
/// Resolves host names once per <see cref="NetworkSafetyOptions.DnsCacheTime"/>, sharing one lookup among concurrent
/// callers; failures are cached too (for a tenth of the time) so a dead domain does not cost a lookup per image.
/// </summary>
public sealed class DnsCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly TimeSpan _lifetime;

    /// <summary>A cache over the system resolver, or over <paramref name="resolve"/> (a fixed host table, for instance).</summary>
    public DnsCache(TimeSpan lifetime, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _lifetime = lifetime;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>The addresses of <paramref name="host"/>; an IP literal (with or without brackets) is returned as is.</summary>
    /// <exception cref="SocketException">The name does not resolve.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }

        var now = Environment.TickCount64;
        var entry = _entries.AddOrUpdate(
            host,
            (h, state) => new Entry(state.Self._resolve(h, CancellationToken.None), state.Now),
            (h, existing, state) => existing.Expired(state.Now, state.Self._lifetime) ? new Entry(state.Self._resolve(h, CancellationToken.None), state.Now) : existing,
            (Self: this, Now: now));
        return await entry.Lookup.WaitAsync(cancellationToken);
    }

    private sealed record Entry(Task<IPAddress[]> Lookup, long Started)
    {
        public bool Expired(long now, TimeSpan lifetime)
        {
            var age = TimeSpan.FromMilliseconds(now - Started);
            return Lookup.IsCompleted && (Lookup.IsCompletedSuccessfully ? age > lifetime : age > lifetime / 10);
        }
    }
}
