using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.Counters;

/// <summary>
/// Counts, never samples: a few numbers per entry that has any. A fetched chunk is appended to a log segment
/// (<see cref="IEntryCountersLogGrain"/>, <see cref="SegmentSize"/> reports each) before it is counted, and the
/// counters themselves are written as a checkpoint only every <see cref="CheckpointEvery"/> segments, so adding
/// a chunk costs the same at 500k entries as at 1k; an activation reads the checkpoint and replays the segments after it.
/// </summary>
public sealed class EntryCountersGrain([PersistentState("counters", PipelineStorage.Name)] IPersistentState<EntryCountersState> state) : Grain, IEntryCountersGrain
{
    /// <summary>Chunk reports per log segment.</summary>
    public const int SegmentSize = 16;

    /// <summary>Full log segments between two checkpoints of the counters.</summary>
    public const int CheckpointEvery = 64;

    private EntryFillTracker? _fill;
    private int _segment;
    private int _inSegment;

    // Rebuilt from the state on first read after activation or after the state is replaced.
    private EntryFillTracker Fill => _fill ??= new EntryFillTracker(state.State);

    /// <summary>The key of log segment <paramref name="segment"/> of the counters named <paramref name="counters"/>.</summary>
    public static string LogKey(string counters, int segment) => $"{counters}#LOG#{segment}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Reports already in the checkpoint are skipped by chunk name, so replaying a segment twice is harmless.
        for (_segment = state.State.LogSegment; ; _segment++)
        {
            var reports = await Log(_segment).Read();
            foreach (var report in reports)
            {
                Apply(report);
            }

            if (reports.Count < SegmentSize)
            {
                _inSegment = reports.Count;
                break;
            }
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task SetMatched(int entries, int threshold, Dictionary<int, long> matched, IReadOnlyList<string> topEntries)
    {
        state.State.Entries = entries;
        state.State.Threshold = threshold;
        state.State.Matched = matched;
        state.State.TopEntries = [.. topEntries];
        _fill = null;
        await CheckpointAsync();
    }

    public async Task AddChunk(FetchChunkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.AlreadyDone || state.State.Chunks.Contains(report.Chunk))
        {
            return;
        }

        // Durable first: a crash after the append replays the report, one before it makes the caller retry.
        _inSegment = await Log(_segment).Append(report);
        Apply(report);
        if (_inSegment >= SegmentSize)
        {
            _segment++;
            _inSegment = 0;
            if (_segment - state.State.LogSegment >= CheckpointEvery)
            {
                await CheckpointAsync();
            }
        }
    }

    public async Task SetFinal(Dictionary<int, long> final)
    {
        state.State.Final = final;
        _fill = null;
        await CheckpointAsync();
    }

    public async Task Forget()
    {
        for (var s = state.State.LogSegment; s <= _segment; s++)
        {
            await Log(s).Clear();
        }

        state.State = new EntryCountersState();
        (_segment, _inSegment) = (0, 0);
        _fill = null;
        await state.WriteStateAsync();
    }

    public Task<EntryFill> GetFill() => Task.FromResult(Fill.Fill());

    private IEntryCountersLogGrain Log(int segment) => GrainFactory.GetGrain<IEntryCountersLogGrain>(LogKey(this.GetPrimaryKeyString(), segment));

    private void Apply(FetchChunkReport report)
    {
        if (!state.State.Chunks.Add(report.Chunk))
        {
            return;
        }

        foreach (var entry in report.FetchedEntries)
        {
            Fill.AddFetched(entry);
        }

        state.State.Attempted += report.Entries;
        state.State.Images += report.Images;
        state.State.Retryable += report.Retryable;
        foreach (var (errorClass, count) in report.ErrorsByClass)
        {
            state.State.ErrorsByClass[errorClass] = state.State.ErrorsByClass.GetValueOrDefault(errorClass) + count;
        }

        Fill.AddHostErrors(report.ErrorsByHost);
    }

    /// <summary>Writes the counters with every report so far, then removes the log segments they fold in.</summary>
    private async Task CheckpointAsync()
    {
        var folded = state.State.LogSegment;
        state.State.LogSegment = _segment;
        await state.WriteStateAsync();
        for (var s = folded; s < _segment; s++)
        {
            await Log(s).Clear();
        }
    }
}
