using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>Holds one log segment; every append is written before it is answered.</summary>
public sealed class EntryCountersLogGrain([PersistentState("counters-log", PipelineStorage.Name)] IPersistentState<EntryCountersLogState> state)
    : Grain, IEntryCountersLogGrain
{
    public async Task<int> Append(FetchChunkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!state.State.Reports.Exists(r => r.Chunk == report.Chunk))
        {
            state.State.Reports.Add(report);
            await state.WriteStateAsync();
        }

        return state.State.Reports.Count;
    }

    public Task<IReadOnlyList<FetchChunkReport>> Read() => Task.FromResult<IReadOnlyList<FetchChunkReport>>([.. state.State.Reports]);

    public async Task Clear()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        DeactivateOnIdle();
    }
}
