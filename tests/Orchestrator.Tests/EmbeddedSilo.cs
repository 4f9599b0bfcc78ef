using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Storage;
using Pipeline.Orchestrator.Telemetry;
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

    /// <summary>The silo's file grain storage, under the control-plane counting wrapper.</summary>
    public static FileGrainStorage FileStorage(IHost host) =>
        (FileGrainStorage)((CountingGrainStorage)host.Services.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Name)).Inner;

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
