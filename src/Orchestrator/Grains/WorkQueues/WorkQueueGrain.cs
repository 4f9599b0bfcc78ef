using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>
/// Leases items in order. The items live in partitions of <see cref="PartitionSize"/> (<see cref="IWorkQueuePartitionGrain"/>),
/// each writing its own state before it answers, so a lease survives a silo restart and an operation writes one
/// partition whatever the queue's length. This root keeps only the partition count and the hold; it learns how each
/// partition stands from the partitions' answers (and asks them all once after activation).
/// </summary>
public sealed class WorkQueueGrain([PersistentState("queue", PipelineStorage.Name)] IPersistentState<WorkQueueState> state) : Grain, IWorkQueueGrain
{
    /// <summary>Attempts an item gets before it fails for good.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Items per partition: the most any one operation writes.</summary>
    public const int PartitionSize = 256;

    // Partitions read at once, after activation or when filling.
    private const int Parallel = 32;

    private PartitionSummary[]? _summaries;

    // No partition before this one has a pending item.
    private int _firstPending;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A queue written before partitions existed holds its items itself: they move into partitions once.
        if (state.State.Items.Count > 0 && state.State.Partitions == 0)
        {
            await FillPartitionsAsync(state.State.Items);
            state.State.Items = [];
            await state.WriteStateAsync(cancellationToken);
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task Fill(IReadOnlyList<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (state.State.Filled)
        {
            return;
        }

        // Filling again after a crash finds the partitions filled and keeps what they hold.
        await FillPartitionsAsync([.. items.Select(i => new QueuedItem { Name = i })]);
        state.State.Filled = true;
        await state.WriteStateAsync();
    }

    public async Task<WorkLease?> Lease(string worker, TimeSpan duration)
    {
        if (state.State.Held)
        {
            return null;
        }

        var summaries = await SummariesAsync();
        var now = DateTime.UtcNow;

        // Pending items first, in queue order, then expired leases: the order one list handed them out in.
        for (var p = _firstPending; p < summaries.Length; p++)
        {
            if (summaries[p].Progress.Pending == 0)
            {
                _firstPending = p == _firstPending ? p + 1 : _firstPending;
                continue;
            }

            if (await LeaseFromAsync(p, worker, duration, now) is { } lease)
            {
                return lease;
            }
        }

        for (var p = 0; p < summaries.Length; p++)
        {
            if (summaries[p].CanLease(now) && await LeaseFromAsync(p, worker, duration, now) is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    public Task<bool> Renew(WorkLease lease, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Partition(lease.Partition).Renew(lease, duration);
    }

    public async Task Complete(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await UpdateAsync(lease.Partition, Partition(lease.Partition).Complete(lease));
    }

    public async Task Fail(WorkLease lease, string reason)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await UpdateAsync(lease.Partition, Partition(lease.Partition).Fail(lease, reason));
    }

    public async Task GiveBack(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await UpdateAsync(lease.Partition, Partition(lease.Partition).GiveBack(lease));
    }

    public Task Hold() => SetHeldAsync(true);

    public Task Release() => SetHeldAsync(false);

    public Task<bool> IsHeld() => Task.FromResult(state.State.Held);

    public async Task<WorkQueueProgress> GetProgress()
    {
        var parts = (await SummariesAsync()).Select(s => s.Progress).ToList();
        return new WorkQueueProgress(
            parts.Sum(p => p.Total), parts.Sum(p => p.Pending), parts.Sum(p => p.Leased), parts.Sum(p => p.Done), parts.Sum(p => p.Failed),
            state.State.Reclaimed + parts.Sum(p => p.Reclaimed),
            [.. parts.SelectMany(p => p.Failures)],
            [.. parts.SelectMany(p => p.Holders).Distinct(StringComparer.Ordinal)]);
    }

    private IWorkQueuePartitionGrain Partition(int index) => GrainFactory.GetGrain<IWorkQueuePartitionGrain>($"{this.GetPrimaryKeyString()}#{index}");

    private async Task<WorkLease?> LeaseFromAsync(int partition, string worker, TimeSpan duration, DateTime now)
    {
        var answer = await Partition(partition).Lease(partition, worker, duration, now);
        _summaries![partition] = answer.Summary;
        return answer.Lease;
    }

    private async Task UpdateAsync(int partition, Task<PartitionSummary> answer)
    {
        var summaries = await SummariesAsync();
        var summary = await answer;
        if (partition >= 0 && partition < summaries.Length)
        {
            summaries[partition] = summary;
            _firstPending = summary.Progress.Pending > 0 ? Math.Min(_firstPending, partition) : _firstPending;
        }
    }

    private async Task<PartitionSummary[]> SummariesAsync()
    {
        if (_summaries is null)
        {
            var summaries = new PartitionSummary[state.State.Partitions];
            for (var start = 0; start < summaries.Length; start += Parallel)
            {
                await Task.WhenAll(Enumerable.Range(start, Math.Min(Parallel, summaries.Length - start)).Select(async p => summaries[p] = await Partition(p).GetSummary()));
            }

            _summaries = summaries;
            _firstPending = 0;
        }

        return _summaries;
    }

    private async Task FillPartitionsAsync(List<QueuedItem> items)
    {
        var summaries = new PartitionSummary[(items.Count + PartitionSize - 1) / PartitionSize];
        for (var start = 0; start < summaries.Length; start += Parallel)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(Parallel, summaries.Length - start))
                .Select(async p => summaries[p] = await Partition(p).Fill([.. items.Skip(p * PartitionSize).Take(PartitionSize)])));
        }

        state.State.Partitions = summaries.Length;
        _summaries = summaries;
        _firstPending = 0;
    }

    private async Task SetHeldAsync(bool held)
    {
        if (state.State.Held != held)
        {
            state.State.Held = held;
            await state.WriteStateAsync();
        }
    }
}
