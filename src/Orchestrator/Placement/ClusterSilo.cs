namespace Pipeline.Orchestrator.Placement;

/// <summary>An active silo, its roles and its GPU slots.</summary>
[GenerateSerializer]
[Alias("pipeline.cluster-silo")]
public sealed record ClusterSilo(
    [property: Id(0)] SiloAddress Address,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] int GpuSlots)
{
    /// <summary>Whether the silo carries the gpu role.</summary>
    public bool IsGpu => Roles.Contains(SiloDirectory.GpuRole);
}
