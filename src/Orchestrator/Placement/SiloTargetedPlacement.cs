namespace Pipeline.Orchestrator.Placement;

/// <summary>Places an activation on the silo named at the end of its key (<c>...@SILO</c>, <see cref="SiloTargetedPlacementDirector.KeyFor"/>).</summary>
[GenerateSerializer]
[Alias("pipeline.silo-targeted-placement")]
public sealed class SiloTargetedPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    internal static readonly SiloTargetedPlacement Instance = new();
}
