using System.CommandLine;
using Pipeline.Orchestrator.Dashboard;

namespace Pipeline.Orchestrator.Cli;

/// <summary><c>pipeline dashboard</c>: serves the live dashboard of the cluster (or of the embedded run folder) until stopped.</summary>
public static class DashboardCommand
{
    private static readonly Option<string?> Address = new("--address")
    {
        Description = "IP address to listen on; anything but loopback needs Dashboard:Token (PIPELINE_Dashboard__Token) [config: Dashboard:Address; default: 127.0.0.1]",
    };

    private static readonly Option<int?> Port = new Option<int?>("--port") { Description = "Port to listen on, 0 for any free one [config: Dashboard:Port; default: 18081]" }.Between(0, 65535);

    /// <summary>The configuration key of the dashboard's port.</summary>
    public const string PortKey = $"{PipelineDashboardOptions.Section}:{nameof(PipelineDashboardOptions.Port)}";

    /// <summary>The flag of commands that can also serve the dashboard while they run a campaign.</summary>
    public static readonly Option<bool> Serve = new("--dashboard") { Description = "Also serve the live dashboard while the campaign runs (see 'pipeline dashboard --help' for its settings)" };

    public static Command Create(PipelineCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var command = new Command("dashboard", "Serve the live dashboard: campaigns, throughput, errors, entry fill, shards, training curves, silos; Orleans' own under /orleans")
        {
            Address,
            Port,
        };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(
            parse,
            ConfigurationFlag.Overrides(parse, [new(Address, $"{PipelineDashboardOptions.Section}:{nameof(PipelineDashboardOptions.Address)}"), new(Port, PortKey)]),
            RunAsync,
            cancellationToken));
        return command;
    }

    /// <summary>Opens the command's cluster session; with <paramref name="serve"/> it also serves the dashboard (settings from configuration) and prints where.</summary>
    public static async Task<ClusterSession> OpenSessionAsync(CommandContext context, bool serve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dashboard = serve ? context.Bind<PipelineDashboardOptions>(PipelineDashboardOptions.Section) : null;
        var session = await ClusterSession.OpenAsync(context, cancellationToken, dashboard);
        if (session.DashboardAddress is { } address)
        {
            await Console.Error.WriteLineAsync($"dashboard: {address} (Orleans' dashboard: {new Uri(address, DashboardWebHost.OrleansPrefix.TrimStart('/') + "/")})");
        }

        return session;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        await using var session = await OpenSessionAsync(context, serve: true, cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("dashboard: stopped");
        }

        return ExitCodes.Success;
    }
}
