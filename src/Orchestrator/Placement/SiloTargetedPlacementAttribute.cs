using Orleans.Placement;

namespace Pipeline.Orchestrator.Placement;

/// <summary>Marks a grain class whose activations run on the silo their key names: one worker per silo, or per GPU.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloTargetedPlacementAttribute() : PlacementAttribute(SiloTargetedPlacement.Instance);
