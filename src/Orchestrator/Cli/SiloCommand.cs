using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Orchestrator.Dashboard;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Placement;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline silo --cluster redis</c>: runs a silo that joins a Redis-backed cluster until stopped.</summary>
public static class SiloCommand
{
    private static readonly Option<string[]> Roles = new("--role")
    {
        Description = "Role this silo carries, e.g. gpu; repeat or separate with commas [config: Pipeline:Roles]",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string?> Advertise = new("--advertise")
    {
        Description = "IP address other silos and clients reach this silo at [config: Pipeline:AdvertisedAddress; default: this host's address]",
    };

    private static readonly Option<bool> Dashboard = new("--dashboard")
    {
        Description = "Also serve the dashboard and Prometheus metrics (/metrics) at Dashboard:Address:Port; anything but loopback needs Dashboard:Token",
    };

    private static readonly Option<int?> DashboardPort = new Option<int?>("--dashboard-port") { Description = "Port of the dashboard and metrics, 0 for any free one [config: Dashboard:Port; default: 18081]" }.Between(0, 65535);

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var command = new Command("silo", "Run a silo of a distributed cluster (needs --cluster); Ctrl+C or SIGTERM leaves the cluster gracefully")
        {
            Roles,
            Advertise,
            Dashboard,
            DashboardPort,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var flags = new Dictionary<string, string?>();
            var roles = parse.GetValue(Roles) ?? [];
            for (var i = 0; i < roles.Length; i++)
            {
                flags[$"Pipeline:Roles:{i}"] = roles[i];
            }

            if (parse.GetValue(Advertise) is { } address)
            {
                flags["Pipeline:AdvertisedAddress"] = address;
            }

            if (parse.GetValue(DashboardPort) is { } port)
            {
                flags[DashboardCommand.PortKey] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return cli.RunAsync(parse, flags, RunAsync, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        if (!options.IsDistributed)
        {
            throw new PipelineConfigurationException("'pipeline silo' joins a distributed cluster: pass --cluster <redis connection>");
        }

        var dashboard = context.Parse.GetValue(Dashboard) ? context.Bind<PipelineDashboardOptions>(PipelineDashboardOptions.Section) : null;
        using var host = await PipelineHosts.StartSiloAsync(context.Configuration, options, runFolder: null, context.Verbose, cancellationToken, dashboard);
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
        var roles = host.Services.GetRequiredService<SiloRoles>();
        await context.Output.WriteLineAsync($"silo {silo.SiloAddress} joined cluster '{options.ClusterId}' (roles: {roles})");
        if (dashboard is not null && DashboardWebHost.Address(host.Services) is { } served)
        {
            await context.Output.WriteLineAsync($"dashboard: {served} (metrics for Prometheus: {new Uri(served, DashboardWebHost.MetricsPath.TrimStart('/'))})");
        }

        await context.Output.FlushAsync(cancellationToken);

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await context.Output.WriteLineAsync($"silo {silo.SiloAddress} leaving the cluster");
        }

        await host.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }
}
