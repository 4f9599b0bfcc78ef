namespace Pipeline.Curation.Jobs;

/// <summary>One line of a step's <c>dropped/{shard}.jsonl.gz</c> log.</summary>
public sealed record DroppedLine(string Key, string Url, string Caption, string Reason, string? Detail, string? DuplicateOf, int? Distance);
