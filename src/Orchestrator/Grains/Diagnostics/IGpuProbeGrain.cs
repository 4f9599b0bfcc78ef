namespace Pipeline.Orchestrator.Grains.Diagnostics;

/// <summary>A stateless grain placed only on silos with the <c>gpu</c> role; shows role placement works.</summary>
[Alias("pipeline.gpu-probe")]
public interface IGpuProbeGrain : IGrainWithStringKey
{
    /// <summary>Reports the silo this activation lives on.</summary>
    [Alias("where")]
    Task<ProbeReceipt> Where();
}
