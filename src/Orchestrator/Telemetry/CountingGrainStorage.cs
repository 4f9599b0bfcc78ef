using Orleans.Storage;

namespace Pipeline.Orchestrator.Telemetry;

/// <summary>A grain storage that counts the operations it passes on to <paramref name="inner"/>.</summary>
public sealed class CountingGrainStorage(IGrainStorage inner, ControlPlaneCounters counters) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The storage counted.</summary>
    public IGrainStorage Inner => inner;

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counters.CountStorage(StorageOperation.Read);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counters.CountStorage(StorageOperation.Write);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counters.CountStorage(StorageOperation.Clear);
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }

    /// <summary>Lets the inner storage take part in the silo's lifecycle (a Redis storage connects there).</summary>
    public void Participate(ISiloLifecycle observer)
    {
        if (inner is ILifecycleParticipant<ISiloLifecycle> participant)
        {
            participant.Participate(observer);
        }
    }
}
