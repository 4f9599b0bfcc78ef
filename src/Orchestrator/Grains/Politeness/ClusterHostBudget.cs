using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Politeness;

namespace Pipeline.Orchestrator.Grains.Politeness;

/// <summary>
/// A silo's view of the cluster-wide host budget: send times come from the host's <see cref="IHostBudgetGrain"/> in
/// batches sized by how many of this silo's requests wait for that host, and are held here, so most requests cost no
/// grain call. Granted times are absolute, so silos' clocks must agree (NTP) to keep a host within its pace.
/// </summary>
public sealed class ClusterHostBudget : IHostBudget
{
    private readonly IGrainFactory _grains;
    private readonly HostBudgetOptions _options;
    private readonly TimeProvider _time;
    private readonly RecentHostCache<GrantedSlots> _hosts;
    private long _grantCalls;

    /// <summary>A budget that asks <paramref name="grains"/>' host budget grains.</summary>
    public ClusterHostBudget(IGrainFactory grains, HostBudgetOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatch, 1);
        _grains = grains;
        _options = options;
        _time = time ?? TimeProvider.System;
        _hosts = new RecentHostCache<GrantedSlots>(options.MaxHostsCached);
    }

    /// <summary>Grain calls made so far for send times.</summary>
    public long GrantCalls => Interlocked.Read(ref _grantCalls);

    /// <inheritdoc/>
    public async ValueTask WaitTurnAsync(string host, HostPace pace, CancellationToken cancellationToken)
    {
        var granted = _hosts.GetOrAdd(host, static _ => new GrantedSlots());
        while (true)
        {
            var slot = await TakeAsync(granted, host, pace, cancellationToken);
            var wait = slot - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken);
            }

            if (!HostTurn.IsMissed(slot, _time.GetUtcNow(), pace))
            {
                return;
            }
        }
    }

    private async Task<DateTimeOffset> TakeAsync(GrantedSlots granted, string host, HostPace pace, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref granted.Waiting);
        try
        {
            while (true)
            {
                Task refill;
                lock (granted.Gate)
                {
                    // A time gone by is dropped: sent now, it could bunch up with another silo's next one.
                    var now = _time.GetUtcNow();
                    while (granted.Slots.TryPeek(out var old) && HostTurn.IsMissed(old, now, pace))
                    {
                        granted.Slots.Dequeue();
                    }

                    if (granted.Slots.TryDequeue(out var slot))
                    {
                        return slot;
                    }

                    // One grain call at a time per host, for as many times as this silo's requests wait for.
                    if (granted.Refill is { IsCompleted: true })
                    {
                        granted.Refill = null;
                    }

                    refill = granted.Refill ??= RefillAsync(granted, host, pace, Math.Clamp(Volatile.Read(ref granted.Waiting), 1, _options.MaxBatch));
                }

                await refill.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref granted.Waiting);
        }
    }

    /// <inheritdoc/>
    public async ValueTask PauseAsync(string host, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var granted = _hosts.GetOrAdd(host, static _ => new GrantedSlots());
        lock (granted.Gate)
        {
            // This silo's own held times go at once; other silos' go within the horizon, when they next ask.
            granted.Slots.Clear();
        }

        await PartitionOf(host).Pause(host, until).WaitAsync(cancellationToken);
    }

    private async Task RefillAsync(GrantedSlots granted, string host, HostPace pace, int count)
    {
        Interlocked.Increment(ref _grantCalls);
        var grant = await PartitionOf(host).Grant(host, pace, count, _options.Horizon);
        lock (granted.Gate)
        {
            foreach (var time in grant.Slots)
            {
                granted.Slots.Enqueue(time);
            }
        }
    }

    /// <summary>The grain that keeps <paramref name="host"/>'s schedule.</summary>
    public IHostBudgetGrain PartitionOf(string host) => _grains.GetGrain<IHostBudgetGrain>(Partition(host, _options.Partitions));

    /// <summary>The partition of <paramref name="host"/>: FNV-1a of its lower-cased text, the same in every process.</summary>
    internal static long Partition(string host, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in host)
        {
            hash = (hash ^ char.ToLowerInvariant(c)) * 16777619u;
        }

        return hash % (uint)partitions;
    }

    /// <summary>The send times this silo holds for one host, the grain call fetching more, and how many of its requests wait.</summary>
    private sealed class GrantedSlots
    {
        public readonly Lock Gate = new();
        public readonly Queue<DateTimeOffset> Slots = new();
        public Task? Refill;
        public int Waiting;
    }
}
