using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>Leases its items in order; every change is written to grain storage before it is answered, so a lease survives a silo restart.</summary>
public sealed class WorkQueuePartitionGrain([PersistentState("queue-partition", PipelineStorage.Name)] IPersistentState<WorkQueuePartitionState> state)
    : Grain, IWorkQueuePartitionGrain
{
    public async Task<PartitionSummary> Fill(IReadOnlyList<QueuedItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!state.State.Filled)
        {
            state.State.Items = [.. items];
            state.State.Filled = true;
            await state.WriteStateAsync();
        }

        return Summary();
    }

    public async Task<PartitionLease> Lease(int partition, string worker, TimeSpan duration, DateTime now)
    {
        var items = state.State.Items;
        var item = items.Find(i => i.Status == WorkItemStatus.Pending) ?? items.Find(i => i.Status == WorkItemStatus.Leased && i.Expires < now);
        if (item is null)
        {
            return new PartitionLease(null, Summary());
        }

        if (item.Status == WorkItemStatus.Leased)
        {
            state.State.Reclaimed++;
        }

        item.Status = WorkItemStatus.Leased;
        item.LeaseId = Guid.NewGuid();
        item.Worker = worker;
        item.Expires = now + duration;
        item.Attempts++;
        await state.WriteStateAsync();
        return new PartitionLease(new WorkLease(item.Name, item.LeaseId, worker, item.Expires, partition), Summary());
    }

    public async Task<bool> Renew(WorkLease lease, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (LeasedItem(lease) is not { } item)
        {
            return false;
        }

        item.Expires = DateTime.UtcNow + duration;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<PartitionSummary> Complete(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        // A lease lost to expiry may still finish: its commit is idempotent, so the item is done either way.
        if (state.State.Items.Find(i => i.Name == lease.Item) is { Status: not WorkItemStatus.Done } item)
        {
            item.Status = WorkItemStatus.Done;
            item.Worker = lease.Worker;
            await state.WriteStateAsync();
        }

        return Summary();
    }

    public async Task<PartitionSummary> Fail(WorkLease lease, string reason)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (LeasedItem(lease) is { } item)
        {
            item.LastError = $"{lease.Worker}: {reason}";
            item.Status = item.Attempts >= WorkQueueGrain.MaxAttempts ? WorkItemStatus.Failed : WorkItemStatus.Pending;
            await state.WriteStateAsync();
        }

        return Summary();
    }

    public async Task<PartitionSummary> GiveBack(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (LeasedItem(lease) is { } item)
        {
            item.Status = WorkItemStatus.Pending;
            item.Attempts--;
            item.Worker = null;
            await state.WriteStateAsync();
        }

        return Summary();
    }

    public Task<PartitionSummary> GetSummary() => Task.FromResult(Summary());

    private PartitionSummary Summary()
    {
        int pending = 0, leased = 0, done = 0, failed = 0;
        DateTime? earliest = null;
        var failures = new List<string>();
        var holders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in state.State.Items)
        {
            switch (item.Status)
            {
                case WorkItemStatus.Pending:
                    pending++;
                    break;
                case WorkItemStatus.Leased:
                    leased++;
                    earliest = earliest is null || item.Expires < earliest ? item.Expires : earliest;
                    holders.Add(item.Worker ?? string.Empty);
                    break;
                case WorkItemStatus.Done:
                    done++;
                    break;
                case WorkItemStatus.Failed:
                    failed++;
                    failures.Add($"{item.Name}: {item.LastError}");
                    break;
            }
        }

        return new PartitionSummary(new WorkQueueProgress(state.State.Items.Count, pending, leased, done, failed, state.State.Reclaimed, failures, [.. holders]), earliest);
    }

    private QueuedItem? LeasedItem(WorkLease lease) =>
        state.State.Items.Find(i => i.Name == lease.Item && i.LeaseId == lease.LeaseId && i.Status == WorkItemStatus.Leased);
}
