namespace Pipeline.Curation.Jobs;

/// <summary>A work item that failed on every attempt, with the last reason.</summary>
public sealed record WorkItemFailure(string Item, string Reason);
