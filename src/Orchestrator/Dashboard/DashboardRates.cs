namespace Pipeline.Orchestrator.Dashboard;

/// <summary>Throughput since the previous reading, and the share of samples the filter and dedup stages kept.</summary>
/// <param name="ImagesPerSecond">Images fetched per second.</param>
/// <param name="AttemptsPerSecond">Image downloads tried per second.</param>
/// <param name="ChunksPerSecond">Fetch chunks done per second.</param>
/// <param name="TrainingSamplesPerSecond">Training samples per second, as the workers report.</param>
/// <param name="FilterKept">Filtered samples over fetched samples, once both stores exist.</param>
/// <param name="DedupKept">Final samples over filtered samples, once both stores exist.</param>
public sealed record DashboardRates(
    double ImagesPerSecond,
    double AttemptsPerSecond,
    double ChunksPerSecond,
    double TrainingSamplesPerSecond,
    double? FilterKept,
    double? DedupKept);
