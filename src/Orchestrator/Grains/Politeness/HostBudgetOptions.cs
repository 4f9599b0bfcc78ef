namespace Pipeline.Orchestrator.Grains.Politeness;

/// <summary>How a cluster shares each host's request budget across its silos (section <c>Pipeline:HostBudget</c>).</summary>
public sealed record HostBudgetOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Pipeline:HostBudget";

    /// <summary>Grains the hosts are hashed onto; every silo must use the same number.</summary>
    public int Partitions { get; set; } = 1024;

    /// <summary>How far ahead a silo holds granted send times: also how long a host's pause may take to reach every silo.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most send times one grain call grants a silo for one host.</summary>
    public int MaxBatch { get; set; } = 16;

    /// <summary>Hosts whose granted send times a silo keeps at most, the least recently used dropped first.</summary>
    public int MaxHostsCached { get; set; } = 50_000;
}
