namespace Pipeline.Curation.Jobs;

/// <summary>
/// What one curation step did, for the data card and the dashboard: samples in and out, dropped by reason,
/// shards done now and earlier, failures, and step-specific figures.
/// </summary>
public sealed record StepSummary(
    string Step,
    string Input,
    string Output,
    long Samples,
    long Kept,
    IReadOnlyDictionary<string, long> Dropped,
    int Shards,
    int ShardsResumed,
    IReadOnlyList<WorkItemFailure> Failures,
    double Seconds,
    IReadOnlyDictionary<string, double> Figures)
{
    /// <summary>Adds up per-shard results.</summary>
    public static StepSummary FromResults(
        string step, string input, string output, IEnumerable<WorkItemResult?> results, IReadOnlyList<WorkItemFailure> failures, TimeSpan elapsed,
        IReadOnlyDictionary<string, double>? figures = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var done = results.OfType<WorkItemResult>().ToList();
        var dropped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in done.SelectMany(r => r.Dropped))
        {
            dropped[reason] = dropped.GetValueOrDefault(reason) + count;
        }

        return new StepSummary(
            step, input, output, done.Sum(r => r.Input), done.Sum(r => r.Output), dropped, done.Count, done.Count(r => r.Resumed), failures,
            Math.Round(elapsed.TotalSeconds, 2), figures ?? new Dictionary<string, double>());
    }

    /// <summary>One line for a terminal: in, kept, dropped by reason.</summary>
    public string Describe() =>
        $"{Step}: {Samples:N0} samples in, {Kept:N0} kept, {Samples - Kept:N0} dropped"
        + (Dropped.Count == 0 ? "" : " (" + string.Join(", ", Dropped.Where(d => d.Value > 0).Select(d => $"{d.Key} {d.Value:N0}")) + ")")
        + $"; {Shards} shards ({ShardsResumed} already done) in {Seconds:0.0} s"
        + (Failures.Count == 0 ? "" : $"; {Failures.Count} FAILED");
}
