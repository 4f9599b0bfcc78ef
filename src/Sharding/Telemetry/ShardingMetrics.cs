using System.Diagnostics.Metrics;

namespace Pipeline.Sharding.Telemetry;

/// <summary>The shard writer's meter, <c>Pipeline.Sharding</c>: shards, samples and bytes committed.</summary>
public static class ShardingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pipeline.Sharding";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Shards committed to a manifest by this process.</summary>
    public static readonly Counter<long> Shards = Meter.CreateCounter<long>("pipeline.sharding.shards", "{shard}", "Shards committed");

    /// <summary>Samples in those shards.</summary>
    public static readonly Counter<long> Samples = Meter.CreateCounter<long>("pipeline.sharding.samples", "{sample}", "Samples in the shards committed");

    /// <summary>Bytes of those shards.</summary>
    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("pipeline.sharding.bytes", "By", "Bytes of the shards committed");
}
