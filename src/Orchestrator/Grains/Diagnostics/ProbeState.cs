namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>Persisted state of a probe grain.</summary>
[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public long Touches { get; set; }

    [Id(1)]
    public string LastNote { get; set; } = string.Empty;

    [Id(2)]
    public DateTimeOffset LastTouched { get; set; }
}
