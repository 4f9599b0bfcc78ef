using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>Counts, never samples: a few numbers per entry that has any.</summary>
public sealed class EntryCountersGrain([PersistentState("counters", PipelineStorage.Name)] IPersistentState<EntryCountersState> state) : Grain, IEntryCountersGrain
{
    private const int CurvePoints = 400;

    public async Task SetMatched(int entries, int threshold, Dictionary<int, long> matched, IReadOnlyList<string> topEntries)
    {
        state.State.Entries = entries;
        state.State.Threshold = threshold;
        state.State.Matched = matched;
        state.State.TopEntries = [.. topEntries];
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
            state.State.Fetched[entry] = state.State.Fetched.GetValueOrDefault(entry) + 1;
        }

        state.State.Attempted += report.Entries;
        state.State.Images += report.Images;
        Add(state.State.ErrorsByClass, report.ErrorsByClass);
        Add(state.State.ErrorsByHost, report.ErrorsByHost);
        await state.WriteStateAsync();
    }

    public async Task SetFinal(Dictionary<int, long> final)
    {
        state.State.Final = final;
        await state.WriteStateAsync();
    }

    public async Task Forget()
    {
        state.State = new EntryCountersState();
        await state.WriteStateAsync();
    }

    public Task<EntryFill> GetFill()
    {
        var s = state.State;
        var t = s.Threshold;
        var filled = s.Final ?? s.Fetched;
        var below = s.Matched.Count(p => filled.GetValueOrDefault(p.Key) < Math.Min(t, p.Value));
        return Task.FromResult(new EntryFill(
            s.Entries, s.Matched.Count, filled.Count, t, below, Curve(filled.Values), Curve(s.Matched.Values), s.Attempted, s.Images,
            new Dictionary<string, long>(s.ErrorsByClass), s.ErrorsByHost.OrderByDescending(p => p.Value).Take(10).ToDictionary(p => p.Key, p => p.Value), s.TopEntries,
            s.Final is not null));
    }

    /// <summary>Counts sorted from the head down, thinned to log-spaced ranks so the tail keeps its shape.</summary>
    private static List<long> Curve(IEnumerable<long> counts)
    {
        var ranked = counts.OrderDescending().ToList();
        if (ranked.Count <= CurvePoints)
        {
            return ranked;
        }

        var points = new List<long>(CurvePoints);
        var step = Math.Log(ranked.Count) / (CurvePoints - 1);
        for (var i = 0; i < CurvePoints; i++)
        {
            points.Add(ranked[Math.Min(ranked.Count - 1, (int)Math.Exp(i * step) - 1)]);
        }

        return points;
    }

    private static void Add(Dictionary<string, long> totals, IReadOnlyDictionary<string, long> more)
    {
        foreach (var (key, value) in more)
        {
            totals[key] = totals.GetValueOrDefault(key) + value;
        }
    }
}
