namespace Pipeline.Orchestrator.Telemetry;

/// <summary>What a silo's control plane did so far.</summary>
/// <param name="GrainCalls">Grain calls received.</param>
/// <param name="CallsByInterface">Those calls by grain interface.</param>
/// <param name="StorageReads">Grain-state reads.</param>
/// <param name="StorageWrites">Grain-state writes.</param>
/// <param name="StorageClears">Grain-state clears.</param>
public sealed record ControlPlaneTotals(long GrainCalls, IReadOnlyDictionary<string, long> CallsByInterface, long StorageReads, long StorageWrites, long StorageClears);
