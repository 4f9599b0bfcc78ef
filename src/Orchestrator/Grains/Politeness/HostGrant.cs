namespace Pipeline.Orchestrator.Grains.Politeness;

/// <summary>Send times granted for one host, earliest first; each is for exactly one request.</summary>
[GenerateSerializer]
[Alias("pipeline.host-grant")]
public sealed record HostGrant([property: Id(0)] DateTimeOffset[] Slots);
