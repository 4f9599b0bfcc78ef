namespace Pipeline.Curation.Jobs;

/// <summary>
/// One unit of curation work, self-contained so that any worker process can run it: store locations (every
/// worker opens them itself), the part (a shard name, or an index partition number), and the settings.
/// </summary>
/// <param name="Step">What to do.</param>
/// <param name="InputStore">Location of the input shard store.</param>
/// <param name="OutputStore">Location of the output store (shards, logs, work files).</param>
/// <param name="Part">The input shard's name, or the index partition's number.</param>
/// <param name="PartCount">How many index partitions there are (<see cref="CurationStep.FindPairs"/>).</param>
/// <param name="Settings">The settings of the job.</param>
public sealed record WorkItem(CurationStep Step, string InputStore, string OutputStore, string Part, int PartCount, CurationSettings Settings)
{
    /// <summary>A short name for progress and error lines, e.g. <c>sign urls-00003-00000</c>.</summary>
    public string Describe() => $"{Step.ToString().ToLowerInvariant()} {Part}";
}
