using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Pipeline.Orchestrator.Telemetry;

/// <summary>Registers the pipeline's OpenTelemetry metrics, exported for Prometheus.</summary>
public static class PipelineMetricsExtensions
{
    /// <summary>The meters exported: the pipeline's own (<c>Pipeline.*</c>) and Orleans'.</summary>
    public static readonly string[] Meters = ["Pipeline.*", "Microsoft.Orleans"];

    /// <summary>Collects <see cref="Meters"/> into a Prometheus exporter; the host maps its scraping endpoint.</summary>
    public static IServiceCollection AddPipelineMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Meters).AddPrometheusExporter());
        return services;
    }
}
