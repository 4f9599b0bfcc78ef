using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Pipeline.Orchestrator.Telemetry;

/// <summary>Registers the control-plane counters on a silo.</summary>
public static class ControlPlaneSiloBuilderExtensions
{
    /// <summary>
    /// Counts the silo's incoming grain calls and the operations of grain storage <paramref name="storageName"/> (which
    /// must be registered already); with <paramref name="logTotals"/>, logs the totals when the silo stops.
    /// </summary>
    /// <exception cref="InvalidOperationException">No grain storage of that name is registered.</exception>
    public static ISiloBuilder AddControlPlaneCounters(this ISiloBuilder silo, string storageName, bool logTotals)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddMetrics();
        services.AddSingleton<ControlPlaneCounters>();
        if (logTotals)
        {
            services.AddHostedService<ControlPlaneLog>();
        }
        silo.AddIncomingGrainCallFilter<GrainCallCounter>();

        // Wrap the storage where it is registered, keyed by name, so every grain that persists to it is counted.
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, storageName))
            ?? throw new InvalidOperationException($"no grain storage named '{storageName}' is registered");
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"grain storage '{storageName}' is not registered by a factory");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(storageName, (provider, key) =>
            new CountingGrainStorage((IGrainStorage)create(provider, key), provider.GetRequiredService<ControlPlaneCounters>()));
        return silo;
    }
}
