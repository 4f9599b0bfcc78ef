using System.Diagnostics.Metrics;

namespace Pipeline.Crawler.Telemetry;

/// <summary>The crawler's meter, <c>Pipeline.Crawler</c>: fetch outcomes by class and bytes downloaded.</summary>
public static class CrawlerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pipeline.Crawler";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Images fetched, tagged <c>outcome</c>: <c>ok</c>, or the failure's class (timeout, http_status, ...).</summary>
    public static readonly Counter<long> Fetches = Meter.CreateCounter<long>("pipeline.crawler.fetches", "{image}", "Image fetches by outcome: ok or the failure class");

    /// <summary>Bytes of the images fetched successfully.</summary>
    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("pipeline.crawler.bytes", "By", "Bytes of the images fetched successfully");
}
