using System.Globalization;
using System.Net;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Dashboard;

/// <summary>Where the pipeline dashboard listens and who may read it; bound from the "Dashboard" section.</summary>
public sealed record PipelineDashboardOptions
{
    /// <summary>Configuration section these options are bound from.</summary>
    public const string Section = "Dashboard";

    /// <summary>IP address to listen on; anything but loopback needs <see cref="Token"/>.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one.</summary>
    public int Port { get; set; } = 18081;

    /// <summary>Shared secret every request must carry (bearer header, or <c>?token=</c> once, which sets a cookie); from configuration or <c>PIPELINE_Dashboard__Token</c>, never a flag.</summary>
    public string? Token { get; set; }

    /// <summary>Shard stores the sample explorer may read, by the name it shows (<c>Dashboard:Stores:NAME=LOCATION</c>); no other store is ever opened.</summary>
    public Dictionary<string, string> Stores { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the page is sent a fresh snapshot.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The endpoint to bind, after refusing a non-loopback address without a token.</summary>
    /// <exception cref="PipelineConfigurationException">The address is not an IP address, or it is not loopback and no token is set.</exception>
    public IPEndPoint Endpoint()
    {
        if (!IPAddress.TryParse(Address, out var address))
        {
            throw new PipelineConfigurationException($"dashboard address '{Address}' is not an IP address (Dashboard:Address)");
        }

        if (Port is < 0 or > 65535)
        {
            throw new PipelineConfigurationException($"dashboard port {Port} is out of range (Dashboard:Port)");
        }

        if (!IPAddress.IsLoopback(address) && string.IsNullOrWhiteSpace(Token))
        {
            throw new PipelineConfigurationException(
                $"the dashboard would listen on {Address}, which other machines can reach: set a token in Dashboard:Token (environment PIPELINE_Dashboard__Token), or listen on 127.0.0.1");
        }

        if (RefreshInterval <= TimeSpan.Zero)
        {
            throw new PipelineConfigurationException("Dashboard:RefreshInterval must be positive");
        }

        return new IPEndPoint(address, Port);
    }

    // A record prints its members; the token must not reach a log line or an exception message.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Address = {Address}, Port = {Port}, Token = {(Token is null ? "null" : "(set)")}, RefreshInterval = {RefreshInterval}, Stores = [{string.Join(", ", Stores.Keys)}]");
        return true;
    }
}
