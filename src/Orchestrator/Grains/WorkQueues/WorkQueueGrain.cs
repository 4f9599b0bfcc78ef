using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.WorkQueues;

/// <summary>Leases items in order; every change is written to grain storage before it is answered, so a lease survives a silo restart.</summary>
public sealed class WorkQueueGrain([PersistentState("queue", PipelineStorage.Name)] IPersistentState<WorkQueueState> state) : Grain, IWorkQueueGrain
{
    /// <summary>Attempts an item gets before it fails for good.</summary>
    public const int MaxAttempts = 3;

    public async Task Fill(IReadOnlyList<string> items)
    {
        if (state.State.Filled)
        {
            return;
        }

        state.State.Items = [.. items.Select(i => new QueuedItem { Name = i })];
        state.State.Filled = true;
        await state.WriteStateAsync();
    }

    public async Task<WorkLease?> Lease(string worker, TimeSpan duration)
    {
        if (state.State.Held)
        {
            return null;
        }

        var now = DateTime.UtcNow;
        var item = state.State.Items.FirstOrDefault(i => i.Status == WorkItemStatus.Pending)
            ?? state.State.Items.FirstOrDefault(i => i.Status == WorkItemStatus.Leased && i.Expires < now);
        if (item is null)
        {
            return null;
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
        return new WorkLease(item.Name, item.LeaseId, worker, item.Expires);
    }

    public async Task<bool> Renew(WorkLease lease, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var item = LeasedItem(lease);
        if (item is null)
        {
            return false;
        }

        item.Expires = DateTime.UtcNow + duration;
        await state.WriteStateAsync();
        return true;
    }

    public async Task Complete(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        // A lease lost to expiry may still finish: its commit is idempotent, so the item is done either way.
        var item = state.State.Items.FirstOrDefault(i => i.Name == lease.Item);
        if (item is null || item.Status == WorkItemStatus.Done)
        {
            return;
        }

        item.Status = WorkItemStatus.Done;
        item.Worker = lease.Worker;
        await state.WriteStateAsync();
    }

    public async Task Fail(WorkLease lease, string reason)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var item = LeasedItem(lease);
        if (item is null)
        {
            return;
        }

        item.LastError = $"{lease.Worker}: {reason}";
        item.Status = item.Attempts >= MaxAttempts ? WorkItemStatus.Failed : WorkItemStatus.Pending;
        await state.WriteStateAsync();
    }

    public async Task GiveBack(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var item = LeasedItem(lease);
        if (item is null)
        {
            return;
        }

        item.Status = WorkItemStatus.Pending;
        item.Attempts--;
        item.Worker = null;
        await state.WriteStateAsync();
    }

    public Task Hold() => SetHeldAsync(true);

    public Task Release() => SetHeldAsync(false);

    public Task<bool> IsHeld() => Task.FromResult(state.State.Held);

    public Task<WorkQueueProgress> GetProgress()
    {
        var items = state.State.Items;
        int Count(WorkItemStatus s) => items.Count(i => i.Status == s);
        return Task.FromResult(new WorkQueueProgress(
            items.Count, Count(WorkItemStatus.Pending), Count(WorkItemStatus.Leased), Count(WorkItemStatus.Done), Count(WorkItemStatus.Failed), state.State.Reclaimed,
            [.. items.Where(i => i.Status == WorkItemStatus.Failed).Select(i => $"{i.Name}: {i.LastError}")],
            [.. items.Where(i => i.Status == WorkItemStatus.Leased).Select(i => i.Worker ?? string.Empty).Distinct(StringComparer.Ordinal)]));
    }

    private async Task SetHeldAsync(bool held)
    {
        if (state.State.Held != held)
        {
            state.State.Held = held;
            await state.WriteStateAsync();
        }
    }

    private QueuedItem? LeasedItem(WorkLease lease) =>
        state.State.Items.FirstOrDefault(i => i.Name == lease.Item && i.LeaseId == lease.LeaseId && i.Status == WorkItemStatus.Leased);
}
