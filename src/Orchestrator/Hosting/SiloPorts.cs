using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>
/// The silo-to-silo and gateway ports a silo listens on. A configured port is used as is; otherwise a silo of a
/// distributed cluster takes the documented defaults (deployment manifests and firewalls expect them) and the
/// embedded silo takes free ones, so two pipeline processes on one machine never collide.
/// </summary>
public sealed record SiloPorts(ListeningPort Silo, ListeningPort Gateway)
{
    /// <summary>Flag and key that set the silo-to-silo port.</summary>
    public const string SiloSetting = "--silo-port / Pipeline:SiloPort";

    /// <summary>Flag and key that set the gateway port.</summary>
    public const string GatewaySetting = "--gateway-port / Pipeline:GatewayPort";

    /// <summary>Fills in the ports <paramref name="options"/> leave unset or at 0.</summary>
    /// <exception cref="PipelineConfigurationException">Both ports come out the same.</exception>
    public static SiloPorts Resolve(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Picked ports stay reserved until both are chosen, so the two never coincide.
        var reserved = new List<TcpListener>();
        try
        {
            var ports = new SiloPorts(
                Choose(options.SiloPort, options.IsDistributed ? PipelineOptions.DefaultSiloPort : null, SiloSetting, reserved),
                Choose(options.GatewayPort, options.IsDistributed ? PipelineOptions.DefaultGatewayPort : null, GatewaySetting, reserved));
            return ports.Silo.Number != ports.Gateway.Number
                ? ports
                : throw new PipelineConfigurationException($"silo port and gateway port are both {ports.Silo.Number} ({SiloSetting}, {GatewaySetting}); they must differ");
        }
        finally
        {
            reserved.ForEach(r => r.Dispose());
        }
    }

    /// <summary>Checks both ports are free where Orleans will listen on them, per <paramref name="endpoints"/>.</summary>
    /// <exception cref="PipelineConfigurationException">One is in use or may not be listened on; the message names it and its setting.</exception>
    public void EnsureFree(EndpointOptions endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Orleans listens on the listening endpoint when one is set, else on the advertised address.
        Silo.EnsureFree(endpoints.SiloListeningEndpoint?.Address ?? endpoints.AdvertisedIPAddress ?? IPAddress.Any);
        Gateway.EnsureFree(endpoints.GatewayListeningEndpoint?.Address ?? endpoints.AdvertisedIPAddress ?? IPAddress.Any);
    }

    private static ListeningPort Choose(int? configured, int? fallback, string setting, List<TcpListener> reserved)
    {
        if (configured is > 0)
        {
            return new ListeningPort(configured.Value, PortOrigin.Configured, setting);
        }

        if (configured is null && fallback is { } port)
        {
            return new ListeningPort(port, PortOrigin.Default, setting);
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        reserved.Add(listener);
        listener.Start();
        return new ListeningPort(((IPEndPoint)listener.LocalEndpoint).Port, PortOrigin.Picked, setting);
    }
}
