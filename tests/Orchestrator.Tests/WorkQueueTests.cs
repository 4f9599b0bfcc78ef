using Microsoft.Extensions.DependencyInjection;
using Pipeline.Orchestrator.Grains.WorkQueues;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The fetch work queue on an embedded silo with real file grain storage: lease order, retries, takeovers, bounded state.</summary>
public sealed class WorkQueueTests() : EmbeddedSiloTest("work-queue")
{
    private static string[] Items(int count) => [.. Enumerable.Range(0, count).Select(i => $"chunk-{i:D5}")];

    [Fact]
    public async Task Items_are_leased_in_order_across_partitions_retried_given_back_and_failed_for_good()
    {
        var queue = Grains.GetGrain<IWorkQueueGrain>("order");
        await queue.Fill(Items(600));
        await queue.Fill(Items(3));

        var leases = new List<WorkLease>();
        for (var i = 0; i < 300; i++)
        {
            leases.Add((await queue.Lease($"w{i % 3}", TimeSpan.FromMinutes(5)))!);
        }

        Assert.Equal(Items(300), leases.Select(l => l.Item));
        Assert.Equal([0, 1], leases.Select(l => l.Partition).Distinct());
        foreach (var lease in leases.Skip(2))
        {
            await queue.Complete(lease);
        }

        // Given back: its attempt does not count, and it is the first pending item again.
        await queue.GiveBack(leases[0]);
        var again = (await queue.Lease("w9", TimeSpan.FromMinutes(5)))!;
        Assert.Equal("chunk-00000", again.Item);

        // Failed three times: failed for good, with its last reason.
        var failing = leases[1];
        for (var attempt = 1; attempt <= WorkQueueGrain.MaxAttempts; attempt++)
        {
            await queue.Fail(failing, $"boom {attempt}");
            if (attempt < WorkQueueGrain.MaxAttempts)
            {
                failing = (await queue.Lease("w1", TimeSpan.FromMinutes(5)))!;
                Assert.Equal("chunk-00001", failing.Item);
            }
        }

        Assert.False(await queue.Renew(leases[1], TimeSpan.FromMinutes(5)));
        var progress = await queue.GetProgress();
        Assert.Equal((600, 300, 1, 298, 1, 0), (progress.Total, progress.Pending, progress.Leased, progress.Done, progress.Failed, progress.Reclaimed));
        Assert.Equal(["chunk-00001: w1: boom 3"], progress.Failures);
        Assert.Equal(["w9"], progress.Holders);
    }

    [Fact]
    public async Task Leasing_and_completing_costs_the_same_grain_calls_and_storage_writes_in_a_queue_of_300_as_of_100000()
    {
        async Task<(long Calls, long Writes)> CostOfTwentyAsync(string name, int items)
        {
            var queue = Grains.GetGrain<IWorkQueueGrain>(name);
            await queue.Fill(Items(items));
            var before = ControlPlane.Totals();
            for (var i = 0; i < 20; i++)
            {
                await queue.Complete((await queue.Lease("w", TimeSpan.FromMinutes(5)))!);
            }

            var after = ControlPlane.Totals();
            return (
                after.CallsByInterface.Where(c => c.Key.Contains("WorkQueue", StringComparison.Ordinal)).Sum(c => c.Value)
                    - before.CallsByInterface.Where(c => c.Key.Contains("WorkQueue", StringComparison.Ordinal)).Sum(c => c.Value),
                after.StorageWrites - before.StorageWrites);
        }

        var small = await CostOfTwentyAsync("cost-small", 300);
        var large = await CostOfTwentyAsync("cost-large", 100_000);

        // 20 leases and 20 completions: the queue's call and its partition's each, and a bounded number of partition
        // writes each, whatever the size.
        Assert.Equal(80, small.Calls);
        Assert.Equal(small, large);
        Assert.InRange(small.Writes, 20, 80);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_once_nothing_is_pending_and_a_held_queue_leases_nothing()
    {
        var queue = Grains.GetGrain<IWorkQueueGrain>("expiry");
        await queue.Fill(Items(300));
        var leases = new List<WorkLease>();
        for (var i = 0; i < 300; i++)
        {
            leases.Add((await queue.Lease("slow", i == 280 ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromMinutes(5)))!);
        }

        await Task.Delay(20);
        await queue.Hold();
        Assert.Null(await queue.Lease("fast", TimeSpan.FromMinutes(5)));
        await queue.Release();
        var taken = (await queue.Lease("fast", TimeSpan.FromMinutes(5)))!;
        Assert.Equal("chunk-00280", taken.Item);
        Assert.False(await queue.Renew(leases[280], TimeSpan.FromMinutes(5)));
        Assert.Null(await queue.Lease("fast", TimeSpan.FromMinutes(5)));
        Assert.Equal(1, (await queue.GetProgress()).Reclaimed);
    }

    [Fact]
    public async Task No_operation_writes_more_than_one_partition_of_state_whatever_the_queue_length()
    {
        var queue = Grains.GetGrain<IWorkQueueGrain>("long");
        await queue.Fill(Items(20_000));
        for (var i = 0; i < 20; i++)
        {
            await queue.Complete((await queue.Lease("w", TimeSpan.FromMinutes(5)))!);
        }

        // Every state file is at most one partition's worth; the root holds no items. A queue keeping its 20,000 items
        // in one state wrote ~1.5 MB per lease.
        var files = Directory.EnumerateFiles(Run.Root, "*.state", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
        var largest = files.Max(f => f.Length);
        Assert.True(largest < 64 << 10, $"a state file of {largest:N0} bytes");
        Assert.Equal(20_000 / WorkQueueGrain.PartitionSize + 1, files.Count(f => f.Directory!.Name == "queue-partition" && f.Name.Contains("long", StringComparison.Ordinal)));
        Assert.Equal((20_000, 19_980, 20), ((await queue.GetProgress()).Total, (await queue.GetProgress()).Pending, (await queue.GetProgress()).Done));
    }

    [Fact]
    public async Task A_queue_written_before_partitions_is_moved_into_them_with_its_statuses()
    {
        var queue = Grains.GetGrain<IWorkQueueGrain>("legacy");
        var legacy = new WorkQueueState
        {
            Filled = true,
            Reclaimed = 2,
            Items = [.. Items(400).Select((name, i) => new QueuedItem { Name = name, Status = i < 300 ? WorkItemStatus.Done : WorkItemStatus.Pending, Attempts = i < 300 ? 1 : 0 })],
        };
        await Storage.WriteStateAsync("queue", queue.GetGrainId(), new GrainState<WorkQueueState>(legacy));

        var progress = await queue.GetProgress();
        Assert.Equal((400, 100, 300, 2), (progress.Total, progress.Pending, progress.Done, progress.Reclaimed));
        Assert.Equal("chunk-00300", (await queue.Lease("w", TimeSpan.FromMinutes(5)))!.Item);
    }
}
