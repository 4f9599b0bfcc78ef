namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>A stateful grain that shows the cluster serves calls and that its storage keeps state (used by <c>pipeline doctor</c>).</summary>
[Alias("pipeline.probe")]
public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Counts one more touch, persists it, and reports where it was served.</summary>
    [Alias("touch")]
    Task<ProbeReceipt> Touch(string note);

    /// <summary>Reports the persisted state without changing it.</summary>
    [Alias("read")]
    Task<ProbeReceipt> Read();
}
