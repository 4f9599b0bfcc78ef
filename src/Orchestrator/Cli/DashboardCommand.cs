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

    private static readonly Option<int?> Port = new("--port") { Description = "Port to listen on, 0 for any free one [config: Dashboard:Port; default: 18081]" };

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
        command.SetAction((parse, cancellationToken) =>
        {
            var flags = new Dictionary<string, string?>();
            if (parse.GetValue(Address) is { } address)
            {
                flags["Dashboard:Address"] = address;
            }

            if (parse.GetValue(Port) is { } port)
            {
                flags["Dashboard:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return cli.RunAsync(parse, flags, RunAsync, cancellationToken);
        });
        return command;
    }

    /// <summary>The dashboard settings from configuration.</summary>
    public static PipelineDashboardOptions Options(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Bind<PipelineDashboardOptions>(PipelineDashboardOptions.SectionName);
    }

    /// <summary>Prints where the session serves the dashboard.</summary>
    public static async Task AnnounceAsync(ClusterSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.DashboardAddress is { } address)
        {
            await Console.Error.WriteLineAsync($"dashboard: {address} (Orleans' dashboard: {new Uri(address, DashboardWebHost.OrleansPrefix.TrimStart('/') + "/")})");
        }
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        await using var session = await ClusterSession.OpenAsync(context, cancellationToken, Options(context));
        await AnnounceAsync(session);
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
