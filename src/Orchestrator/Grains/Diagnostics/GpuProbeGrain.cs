using Pipeline.Orchestrator.Placement;

namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>Lives only on <c>gpu</c> silos, so a call to it proves role placement reaches one.</summary>
[RequiresSiloRole("gpu")]
public sealed class GpuProbeGrain(ILocalSiloDetails silo, SiloRoles roles) : Grain, IGpuProbeGrain
{
    public Task<ProbeReceipt> Where() =>
        Task.FromResult(new ProbeReceipt(this.GetPrimaryKeyString(), 0, silo.SiloAddress.ToString(), roles.ToString(), string.Empty));
}
