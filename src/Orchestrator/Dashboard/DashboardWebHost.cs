using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;
using Pipeline.Orchestrator.Dashboard.Explorer;
using Pipeline.Orchestrator.Telemetry;

namespace Pipeline.Orchestrator.Dashboard;

/// <summary>
/// Serves the dashboard from the process that hosts a silo or a cluster client: the page and its assets (embedded,
/// nothing from the internet), a JSON snapshot, a server-sent event stream of snapshots, the sample explorer (<c>/explorer</c>
/// over <see cref="SampleExplorerApi"/>), and Orleans' own dashboard
/// under <see cref="OrleansPrefix"/>, and the process's metrics for Prometheus at <see cref="MetricsPath"/>.
/// </summary>
public static partial class DashboardWebHost
{
    /// <summary>Where Orleans' dashboard is mapped.</summary>
    public const string OrleansPrefix = "/orleans";

    /// <summary>Where Prometheus scrapes the process's metrics (<see cref="PipelineMetricsExtensions.Meters"/>).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>How snapshots are written: camelCase, enums as names.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["/"] = "index.html",
        ["/dashboard.js"] = "dashboard.js",
        ["/dashboard.css"] = "dashboard.css",
        ["/explorer"] = "explorer.html",
        ["/explorer.js"] = "explorer.js",
    };

    /// <summary>A web host builder listening where <paramref name="options"/> says (checked: no open address without a token).</summary>
    public static WebApplicationBuilder CreateBuilder(PipelineDashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.Endpoint();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(endpoint));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(options);
        builder.Services.AddPipelineMetrics();
        builder.Services.AddSingleton<SampleExplorer>();
        return builder;
    }

    /// <summary>Builds the host and maps the dashboard's endpoints behind the token gate.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, PipelineDashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var app = builder.Build();
        if (!string.IsNullOrWhiteSpace(options.Token))
        {
            app.UseMiddleware<DashboardTokenGate>(options.Token);
        }

        app.UseRouting();
        foreach (var (path, asset) in Assets)
        {
            app.MapGet(path, () => Asset(asset));
        }

        app.MapGet("/api/snapshot", async (IGrainFactory grains, CancellationToken cancellationToken) =>
            TypedResults.Json(await new DashboardSnapshotReader(grains, TimeProvider.System).ReadAsync(cancellationToken), Json));
        app.MapGet("/api/events", (IGrainFactory grains, ILoggerFactory logging, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(StreamAsync(grains, options.RefreshInterval, logging.CreateLogger(typeof(DashboardWebHost)), cancellationToken)));
        app.MapSampleExplorerApi();
        app.MapOrleansDashboard(OrleansPrefix);
        // Prometheus' text format, behind the same token as the rest.
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>The address the dashboard listens at, once its host has started.</summary>
    public static Uri? Address(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses?.FirstOrDefault() is { } first ? new Uri(first.EndsWith('/') ? first : first + "/") : null;
    }

    private static FileStreamHttpResult Asset(string name)
    {
        var stream = typeof(DashboardWebHost).Assembly.GetManifestResourceStream($"dashboard/{name}")
            ?? throw new InvalidOperationException($"dashboard asset {name} is not embedded");
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => "text/css; charset=utf-8",
        };
        return TypedResults.Stream(stream, type);
    }

    /// <summary>A snapshot every <paramref name="interval"/> until the page goes away; a failed reading is sent as a 'problem' event and retried.</summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(
        IGrainFactory grains, TimeSpan interval, ILogger logger, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new DashboardSnapshotReader(grains, TimeProvider.System);
        using var timer = new PeriodicTimer(interval);
        do
        {
            SseItem<string> item;
            try
            {
                item = new SseItem<string>(JsonSerializer.Serialize(await reader.ReadAsync(cancellationToken), Json), "snapshot");
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // A silo went away mid-reading; the next reading finds the grains reactivated.
                LogReadFailed(logger, ex.Message);
                item = new SseItem<string>(ex.Message, "problem");
            }

            yield return item;
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: reading the grains failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
