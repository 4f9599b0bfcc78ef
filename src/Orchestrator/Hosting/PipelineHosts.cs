using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Serialization;
using Pipeline.Crawler.Politeness;
using Pipeline.Orchestrator.Dashboard;
using Pipeline.Orchestrator.Grains.Politeness;
using Pipeline.Orchestrator.Placement;
using Pipeline.Orchestrator.Reminders;
using Pipeline.Orchestrator.Storage;
using Pipeline.Orchestrator.Telemetry;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>
/// Builds the two kinds of process the pipeline runs: a silo (embedded with localhost clustering and file
/// storage, or a member of a Redis cluster) and a client of a Redis cluster.
/// </summary>
public static class PipelineHosts
{
    /// <summary>Configuration section whose values tune Orleans' membership (probe timeouts and the like).</summary>
    public const string MembershipSection = "Orleans:Membership";

    /// <summary>
    /// Builds a silo host. <paramref name="runFolder"/> is required for the embedded default and holds its grain state;
    /// with <paramref name="dashboard"/> the host also serves the dashboard.
    /// </summary>
    public static IHost BuildSilo(IConfiguration configuration, PipelineOptions options, RunFolder? runFolder, bool verbose, PipelineDashboardOptions? dashboard = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = CreateBuilder(configuration, verbose, dashboard);
        var ports = SiloPorts.Resolve(options);
        SiloRoles roles;
        try
        {
            roles = SiloRoles.From(options.Roles);
        }
        catch (FormatException ex)
        {
            throw new PipelineConfigurationException(ex.Message, ex);
        }

        builder.UseOrleans(silo =>
        {
            if (options.IsDistributed)
            {
                var redis = RedisConnection.Parse(options.Cluster!);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
                silo.AddRedisGrainStorage(PipelineStorage.Name, o => o.ConfigurationOptions = redis.Clone());
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis.Clone());
                // The default directory can lose a dead silo's registrations and let a campaign grain live twice, with
                // two drivers racing on one stage's files; the strongly consistent directory hands them over instead.
#pragma warning disable ORLEANSEXP003 // Experimental in Orleans 10, and the directory the fault test needs.
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                ConfigureEndpoints(silo, options, ports);
            }
            else
            {
                var folder = runFolder ?? throw new ArgumentNullException(nameof(runFolder), "the embedded silo needs a run folder");
                silo.UseLocalhostClustering(ports.Silo.Number, ports.Gateway.Number, serviceId: options.ServiceId, clusterId: options.ClusterId);
                silo.AddFileGrainStorage(PipelineStorage.Name, folder.GrainStateDirectory);
                silo.AddReminders();
                silo.Services.AddSingleton<IReminderTable>(services =>
                    new FileReminderTable(folder.RemindersFile, services.GetRequiredService<ILogger<FileReminderTable>>()));
            }

            // A cluster's silos log their totals when they stop; an embedded run (the demo, a command) keeps them to its meter.
            silo.AddControlPlaneCounters(PipelineStorage.Name, logTotals: options.IsDistributed);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
            silo.UseSiloMetadata(new Dictionary<string, string>
            {
                [SiloRoles.MetadataKey] = roles.ToMetadata(),
                [SiloDirectory.GpuSlotsKey] = (roles.Names.Contains(SiloDirectory.GpuRole) ? Math.Max(0, options.Gpus) : 0).ToString(CultureInfo.InvariantCulture),
            });
            silo.Services.AddPlacementFilter<SiloRolePlacementFilterStrategy, SiloRolePlacementFilterDirector>(ServiceLifetime.Transient);
            silo.Services.AddPlacementDirector<SiloTargetedPlacement, SiloTargetedPlacementDirector>();
            silo.Services.AddSingleton<SiloDirectory>();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = options.CampaignReminderPeriod < o.MinimumReminderPeriod ? options.CampaignReminderPeriod : o.MinimumReminderPeriod);
            // Every fetch of this silo waits its turn at a host here: shared by the whole cluster when distributed, by the process otherwise.
            var hostBudget = configuration.GetSection(HostBudgetOptions.Section).Get<HostBudgetOptions>() ?? new HostBudgetOptions();
            silo.Services.AddSingleton<IHostBudget>(services => options.IsDistributed
                ? new ClusterHostBudget(services.GetRequiredService<IGrainFactory>(), hostBudget)
                : new LocalHostBudget());
            silo.Services.AddSingleton(roles);
            silo.Services.AddSingleton(ports);
            silo.Services.AddSerializer(LibraryRecordCodec.AddTo);
            // Every silo collects what Orleans' dashboard shows, so a dashboard on any silo or client sees the whole cluster.
            silo.AddDashboard();
            if (options.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }
        });
        return Build(builder, dashboard);
    }

    /// <summary>Builds and starts a silo; with a cluster configured, checks Redis answers first.</summary>
    /// <exception cref="PipelineConfigurationException">Redis is unreachable, or a port the silo listens on is in use.</exception>
    public static async Task<IHost> StartSiloAsync(
        IConfiguration configuration, PipelineOptions options, RunFolder? runFolder, bool verbose, CancellationToken cancellationToken, PipelineDashboardOptions? dashboard = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsDistributed)
        {
            await RedisConnection.EnsureReachableAsync(RedisConnection.Parse(options.Cluster!), cancellationToken);
        }

        var host = BuildSilo(configuration, options, runFolder, verbose, dashboard);
        var ports = host.Services.GetRequiredService<SiloPorts>();
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        try
        {
            // Checked before Orleans binds, which would log a stack trace per listener and name neither port.
            ports.EnsureFree(endpoints);
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch (Exception ex)
        {
            host.Dispose();
            if (ex is not PipelineConfigurationException && IsAddressInUse(ex))
            {
                // Another process took one of the ports after the check: name it. A busy dashboard port is reported as is.
                ports.EnsureFree(endpoints);
            }

            throw;
        }
    }

    private static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Builds a client of the Redis cluster named in <see cref="PipelineOptions.Cluster"/>; with <paramref name="dashboard"/> it also serves the dashboard.</summary>
    public static IHost BuildClient(IConfiguration configuration, PipelineOptions options, bool verbose, PipelineDashboardOptions? dashboard = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsDistributed)
        {
            throw new PipelineConfigurationException("a cluster client needs --cluster <redis connection>");
        }

        var redis = RedisConnection.Parse(options.Cluster!);
        var builder = CreateBuilder(configuration, verbose, dashboard);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
            client.Services.AddSerializer(LibraryRecordCodec.AddTo);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            if (dashboard is not null)
            {
                client.AddDashboard();
            }
        });
        return Build(builder, dashboard);
    }

    /// <summary>
    /// Builds and starts a client after checking Redis answers; gives up after <see cref="PipelineOptions.ConnectTimeout"/>
    /// when no silo of the cluster answers (Orleans' client would otherwise wait for a gateway forever).
    /// </summary>
    /// <exception cref="PipelineConfigurationException">Redis or every silo is unreachable.</exception>
    public static async Task<IHost> StartClientAsync(
        IConfiguration configuration, PipelineOptions options, bool verbose, CancellationToken cancellationToken, PipelineDashboardOptions? dashboard = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        await RedisConnection.EnsureReachableAsync(RedisConnection.Parse(options.Cluster!), cancellationToken);
        var host = BuildClient(configuration, options, verbose, dashboard);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            return await StartOrDisposeAsync(host, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PipelineConfigurationException(
                $"no silo of cluster '{options.ClusterId}' answered within {options.ConnectTimeout.TotalSeconds:0} s " +
                $"(Redis {options.Cluster}); start one with 'pipeline silo --cluster {options.Cluster}'");
        }
    }

    private static async Task<IHost> StartOrDisposeAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static IHostApplicationBuilder CreateBuilder(IConfiguration configuration, bool verbose, PipelineDashboardOptions? dashboard)
    {
        IHostApplicationBuilder builder = dashboard is null
            ? Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true })
            : DashboardWebHost.CreateBuilder(dashboard);
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section));
        ConsoleLogging.Configure(builder.Logging, configuration, verbose);
        builder.Services.AddSingleton<IHostLifetime, CommandLineHostLifetime>();
        // A silo's graceful shutdown hands its grains over within this time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        return builder;
    }

    private static IHost Build(IHostApplicationBuilder builder, PipelineDashboardOptions? dashboard) => builder switch
    {
        WebApplicationBuilder web => DashboardWebHost.Build(web, dashboard!),
        HostApplicationBuilder plain => plain.Build(),
        _ => throw new ArgumentException($"unexpected host builder {builder.GetType().Name}", nameof(builder)),
    };

    private static void ConfigureEndpoints(ISiloBuilder silo, PipelineOptions options, SiloPorts ports)
    {
        if (string.IsNullOrWhiteSpace(options.AdvertisedAddress))
        {
            silo.ConfigureEndpoints(ports.Silo.Number, ports.Gateway.Number);
            return;
        }

        if (!IPAddress.TryParse(options.AdvertisedAddress, out var address))
        {
            throw new PipelineConfigurationException($"advertised address '{options.AdvertisedAddress}' is not an IP address");
        }

        silo.ConfigureEndpoints(address, ports.Silo.Number, ports.Gateway.Number, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
    }
}
