using System.Net;
using System.Net.Sockets;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>A port a silo listens on, with where its number came from, so a busy one is reported against the setting that chose it.</summary>
/// <param name="Number">The port.</param>
/// <param name="Origin">Where the number came from.</param>
/// <param name="Setting">The flag and configuration key that set it, e.g. <c>--silo-port / Pipeline:SiloPort</c>.</param>
public sealed record ListeningPort(int Number, PortOrigin Origin, string Setting)
{
    /// <summary>Listens on the port at <paramref name="address"/> for a moment, so a busy port is reported before Orleans tries it.</summary>
    /// <exception cref="PipelineConfigurationException">Another process listens there, or this one may not.</exception>
    public void EnsureFree(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        try
        {
            using var probe = new TcpListener(address, Number);
            probe.Start();
        }
        catch (SocketException ex)
        {
            var problem = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"port {Number} is in use"
                : $"port {Number} cannot be listened on at {address}: {ex.Message}";
            throw new PipelineConfigurationException($"{problem} ({Source})", ex);
        }
    }

    private string Source => Origin switch
    {
        PortOrigin.Configured => $"set by {Setting}",
        PortOrigin.Default => $"the default; set another with {Setting}",
        _ => $"picked free at start and taken since; run again, or set one with {Setting}",
    };
}
