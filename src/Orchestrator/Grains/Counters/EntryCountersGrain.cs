using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>Counts, never samples: a few numbers per entry that has any.</summary>
public sealed class EntryCountersGrain([PersistentState("counters", PipelineStorage.Name)] IPersistentState<EntryCountersState> state) : Grain, IEntryCountersGrain
{
    private EntryFillTracker? _fill;

    // Rebuilt from the state on first read after activation or after the state is replaced.
    private EntryFillTracker Fill => _fill ??= new EntryFillTracker(state.State);

    public async Task SetMatched(int entries, int threshold, Dictionary<int, long> matched, IReadOnlyList<string> topEntries)
    {
        state.State.Entries = entries;
        state.State.Threshold = threshold;
        state.State.Matched = matched;
        state.State.TopEntries = [.. topEntries];
        _fill = null;
        await state.WriteStateAsync();
    }

    public async Task AddChunk(FetchChunkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.AlreadyDone || !state.State.Chunks.Add(report.Chunk))
        {
            return;
        }

        foreach (var entry in report.FetchedEntries)
        {
            Fill.AddFetched(entry);
        }

        state.State.Attempted += report.Entries;
        state.State.Images += report.Images;
        foreach (var (errorClass, count) in report.ErrorsByClass)
        {
            state.State.ErrorsByClass[errorClass] = state.State.ErrorsByClass.GetValueOrDefault(errorClass) + count;
        }

        Fill.AddHostErrors(report.ErrorsByHost);
        await state.WriteStateAsync();
    }

    public async Task SetFinal(Dictionary<int, long> final)
    {
        state.State.Final = final;
        _fill = null;
        await state.WriteStateAsync();
    }

    public async Task Forget()
    {
        state.State = new EntryCountersState();
        _fill = null;
        await state.WriteStateAsync();
    }

    public Task<EntryFill> GetFill() => Task.FromResult(Fill.Fill());
}
