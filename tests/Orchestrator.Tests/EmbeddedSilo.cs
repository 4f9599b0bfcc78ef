using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Pipeline.Orchestrator.Hosting;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Starts the embedded-default silo in the test process, on free ports, over a given run folder.</summary>
internal static class EmbeddedSilo
{
    public static IConfiguration QuietConfiguration() => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        })
        .Build();

    public static async Task<IHost> StartAsync(RunFolder runFolder)
    {
        var options = new PipelineOptions
        {
            RunDirectory = runFolder.Root,
            SiloPort = FreePort.Next(),
            GatewayPort = FreePort.Next(),
            ClusterId = "test-" + Guid.NewGuid().ToString("N")[..8],
        };
        var host = PipelineHosts.BuildSilo(QuietConfiguration(), options, runFolder, verbose: false);
        await host.StartAsync();
        return host;
    }
}
