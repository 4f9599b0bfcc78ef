using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// Where a curation command's work items run: with <c>--cluster</c>, on the silos through a client (<see cref="Grains"/>
/// and how many silos are active); otherwise in this process, with no silo started (<see cref="Grains"/> is null).
/// </summary>
public sealed class ClusterWorkers : IAsyncDisposable
{
    private readonly IHost? _client;

    private ClusterWorkers(IHost? client, IGrainFactory? grains, int silos)
    {
        _client = client;
        Grains = grains;
        Silos = silos;
    }

    /// <summary>The cluster's grains, or null when the work runs in this process.</summary>
    public IGrainFactory? Grains { get; }

    /// <summary>Active silos (1 in this process): how many work items to keep in flight when each uses a whole silo.</summary>
    public int Silos { get; }

    /// <summary>Connects to the cluster named by <c>--cluster</c>, or returns the in-process case.</summary>
    public static async Task<ClusterWorkers> ConnectAsync(CommandContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Options.IsDistributed)
        {
            return new ClusterWorkers(null, null, 1);
        }

        var client = await PipelineHosts.StartClientAsync(context.Configuration, context.Options, context.Verbose, cancellationToken);
        try
        {
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            var silos = (await grains.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken)).Count;
            return new ClusterWorkers(client, grains, Math.Max(1, silos));
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Leaves the cluster gracefully, when connected.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(CancellationToken.None);
            }
            finally
            {
                _client.Dispose();
            }
        }
    }
}
