using System.Net;
using System.Net.Sockets;

namespace Pipeline.Crawler.Network;

/// <summary>
/// The connect step of every HTTP connection the crawler opens: resolve through the <see cref="DnsCache"/>, drop
/// addresses the <see cref="NetworkSafetyOptions"/> forbid, connect to the first allowed one that answers. Because it
/// runs at connect time, after DNS, it also covers every redirect hop and a name whose records change (DNS rebinding).
/// </summary>
public sealed class SafeConnector(NetworkSafetyOptions options, DnsCache dns)
{
    /// <summary>The options this connector enforces.</summary>
    public NetworkSafetyOptions Options { get; } = options;

    /// <summary>Throws <see cref="BlockedAddressException"/> if <paramref name="host"/> resolves to no allowed address; returns the allowed ones.</summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await dns.ResolveAsync(host, cancellationToken);
        var allowed = Array.FindAll(addresses, a => Options.Allows(AddressClassifier.Classify(a)));
        if (allowed.Length == 0)
        {
            var first = addresses.Length > 0 ? addresses[0] : IPAddress.None;
            throw new BlockedAddressException(host, first, AddressClassifier.Classify(first));
        }

        // A name with both public and forbidden records is refused outright: an attacker controls which one we would reach.
        var forbidden = Array.Find(addresses, a => !Options.Allows(AddressClassifier.Classify(a)));
        return forbidden is null ? allowed : throw new BlockedAddressException(host, forbidden, AddressClassifier.Classify(forbidden));
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var addresses = await ResolveAllowedAsync(endpoint.Host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
