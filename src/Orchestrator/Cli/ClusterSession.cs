using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Orchestrator.Dashboard;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Cli;

/// <summary>The grains a command talks to: an embedded silo in this process (the default, which locks the run folder) or a client of the cluster.</summary>
public sealed class ClusterSession : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly RunFolder? _runFolder;

    private ClusterSession(IHost host, RunFolder? runFolder, bool embedded)
    {
        _host = host;
        _runFolder = runFolder;
        IsEmbedded = embedded;
    }

    /// <summary>Whether the grains run in this process, so long work lasts only as long as the command.</summary>
    public bool IsEmbedded { get; }

    /// <summary>Grain references.</summary>
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Where this process serves the dashboard, when it was asked to.</summary>
    public Uri? DashboardAddress => DashboardWebHost.Address(_host.Services);

    /// <summary>Starts the embedded silo, or connects to the cluster named by <c>--cluster</c>; with <paramref name="dashboard"/> the process also serves the dashboard.</summary>
    public static async Task<ClusterSession> OpenAsync(CommandContext context, CancellationToken cancellationToken, PipelineDashboardOptions? dashboard = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        if (options.IsDistributed)
        {
            return new ClusterSession(await PipelineHosts.StartClientAsync(context.Configuration, options, context.Verbose, cancellationToken, dashboard), null, embedded: false);
        }

        var runFolder = RunFolder.Open(options.RunDirectory, exclusive: true);
        try
        {
            return new ClusterSession(await PipelineHosts.StartSiloAsync(context.Configuration, options, runFolder, context.Verbose, cancellationToken, dashboard), runFolder, embedded: true);
        }
        catch
        {
            runFolder.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            _host.Dispose();
            _runFolder?.Dispose();
        }
    }
}
