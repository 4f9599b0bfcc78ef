namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>What a probe grain answers: its persisted touch count and the silo that served the call.</summary>
/// <param name="Key">The probe grain's key.</param>
/// <param name="Touches">How many times the probe was touched, across activations and restarts.</param>
/// <param name="Silo">Address of the silo that served the call.</param>
/// <param name="Roles">Roles of that silo, comma-separated.</param>
/// <param name="LastNote">The note given with the latest touch.</param>
[GenerateSerializer, Immutable]
public sealed record ProbeReceipt(
    [property: Id(0)] string Key,
    [property: Id(1)] long Touches,
    [property: Id(2)] string Silo,
    [property: Id(3)] string Roles,
    [property: Id(4)] string LastNote);
