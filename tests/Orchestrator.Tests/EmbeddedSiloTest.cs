using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Storage;
using Pipeline.Orchestrator.Telemetry;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Tests on an embedded silo with real file grain storage in a temporary run folder; the silo can be restarted on the same state.</summary>
public abstract class EmbeddedSiloTest(string name) : IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new(name);

    /// <summary>The run folder holding the grain state.</summary>
    protected RunFolder Run { get; private set; } = null!;

    /// <summary>The running silo.</summary>
    protected IHost Host { get; private set; } = null!;

    /// <summary>Grain references.</summary>
    protected IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's grain storage (under the counting wrapper).</summary>
    protected FileGrainStorage Storage => EmbeddedSilo.FileStorage(Host);

    /// <summary>The silo's control-plane counters.</summary>
    protected ControlPlaneCounters ControlPlane => Host.Services.GetRequiredService<ControlPlaneCounters>();

    public async Task InitializeAsync()
    {
        Run = RunFolder.Open(_folder.Combine("state"), exclusive: true);
        Host = await EmbeddedSilo.StartAsync(Run);
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        Run.Dispose();
        _folder.Dispose();
    }

    /// <summary>Stops the silo and starts a new one on the same state, so every grain activates again from storage.</summary>
    protected async Task RestartAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        Host = await EmbeddedSilo.StartAsync(Run);
    }
}
