using Pipeline.Curation.Jobs;

namespace Pipeline.Curation.Overlap;

/// <summary>The overlap of a data set with some evaluation sets, and what the step did to the data set.</summary>
public sealed record OverlapReport(IReadOnlyList<OverlapSetResult> Sets, int MaxDistance, bool Dropped, StepSummary Summary, IReadOnlyList<string> Problems);
