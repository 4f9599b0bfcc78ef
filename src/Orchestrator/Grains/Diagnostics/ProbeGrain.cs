using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Placement;

namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>Stateful probe: one persisted counter per key in the pipeline's grain storage.</summary>
public sealed class ProbeGrain(
    [PersistentState("probe", PipelineStorage.Name)] IPersistentState<ProbeState> state,
    ILocalSiloDetails silo,
    SiloRoles roles) : Grain, IProbeGrain
{
    public async Task<ProbeReceipt> Touch(string note)
    {
        state.State.Touches++;
        state.State.LastNote = note;
        state.State.LastTouched = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
        return Receipt();
    }

    public Task<ProbeReceipt> Read() => Task.FromResult(Receipt());

    private ProbeReceipt Receipt() =>
        new(this.GetPrimaryKeyString(), state.State.Touches, silo.SiloAddress.ToString(), roles.ToString(), state.State.LastNote);
}
