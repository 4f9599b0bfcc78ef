namespace Pipeline.Orchestrator.Telemetry;

/// <summary>Counts every grain call a silo receives, by grain interface.</summary>
public sealed class GrainCallCounter(ControlPlaneCounters counters) : IIncomingGrainCallFilter
{
    /// <inheritdoc/>
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        counters.CountCall(context.InterfaceName);
        return context.Invoke();
    }
}
