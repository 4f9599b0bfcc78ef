namespace Pipeline.Curation.Filtering;

/// <summary>Why one sample was dropped: the filter and the figure that failed it.</summary>
public sealed record FilterVerdict(FilterReason Reason, string Detail);
