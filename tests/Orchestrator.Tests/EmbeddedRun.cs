using Microsoft.Extensions.Hosting;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A started embedded silo over its own temporary run folder; disposing stops it and deletes the folder.</summary>
internal sealed class EmbeddedRun : IAsyncDisposable
{
    private readonly TemporaryFolder _temp;
    private readonly RunFolder _runFolder;

    private EmbeddedRun(TemporaryFolder temp, RunFolder runFolder, IHost host)
    {
        _temp = temp;
        _runFolder = runFolder;
        Host = host;
    }

    public IHost Host { get; }

    /// <summary>The pipeline's grain storage as the silo registered it.</summary>
    public FileGrainStorage Storage => EmbeddedSilo.FileStorage(Host);

    public static async Task<EmbeddedRun> StartAsync(string purpose)
    {
        var temp = new TemporaryFolder(purpose);
        var runFolder = RunFolder.Open(temp.Path, exclusive: true);
        return new EmbeddedRun(temp, runFolder, await EmbeddedSilo.StartAsync(runFolder));
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        _runFolder.Dispose();
        _temp.Dispose();
    }
}
