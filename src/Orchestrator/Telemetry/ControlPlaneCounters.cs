using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Orchestrator.Telemetry;

/// <summary>
/// Counts what a silo's control plane does: grain calls (by grain interface) and grain-state storage operations (by
/// kind). Published as the <c>Pipeline.ControlPlane</c> meter (<c>pipeline.grain.calls</c>,
/// <c>pipeline.grain_storage.operations</c>) and kept as totals the silo logs when it stops, so a run can divide
/// them by its items.
/// </summary>
public sealed class ControlPlaneCounters : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pipeline.ControlPlane";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _storage;
    private readonly ConcurrentDictionary<string, long> _callsByInterface = new(StringComparer.Ordinal);
    private long _reads;
    private long _writes;
    private long _clears;

    /// <summary>Creates the counters on the process's meter factory.</summary>
    public ControlPlaneCounters(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _calls = _meter.CreateCounter<long>("pipeline.grain.calls", "{call}", "Grain calls a silo received, by grain interface");
        _storage = _meter.CreateCounter<long>("pipeline.grain_storage.operations", "{operation}", "Grain-state storage reads, writes and clears, by kind");
    }

    /// <summary>Counts one call to a grain of <paramref name="grainInterface"/>.</summary>
    public void CountCall(string grainInterface)
    {
        _callsByInterface.AddOrUpdate(grainInterface, 1, (_, n) => n + 1);
        _calls.Add(1, new KeyValuePair<string, object?>("grain.interface", grainInterface));
    }

    /// <summary>Counts one storage operation of <paramref name="kind"/>.</summary>
    public void CountStorage(StorageOperation kind)
    {
        _ = kind switch
        {
            StorageOperation.Read => Interlocked.Increment(ref _reads),
            StorageOperation.Write => Interlocked.Increment(ref _writes),
            _ => Interlocked.Increment(ref _clears),
        };
        _storage.Add(1, new KeyValuePair<string, object?>("operation", kind.ToString().ToLowerInvariant()));
    }

    /// <summary>The totals so far.</summary>
    public ControlPlaneTotals Totals() => new(
        _callsByInterface.Values.Sum(),
        new SortedDictionary<string, long>(_callsByInterface, StringComparer.Ordinal),
        Interlocked.Read(ref _reads),
        Interlocked.Read(ref _writes),
        Interlocked.Read(ref _clears));

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
