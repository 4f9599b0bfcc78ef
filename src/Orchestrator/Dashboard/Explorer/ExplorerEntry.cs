namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A query entry and how many samples of a store were kept for it.</summary>
/// <param name="Entry">The entry id (<c>kept_for_entry</c>), or null for samples not kept for an entry (unbalanced input).</param>
/// <param name="Samples">Samples kept for it.</param>
/// <param name="SamplesUrl">Where the first page of its samples is served, relative to the dashboard.</param>
public sealed record ExplorerEntry(int? Entry, long Samples, string SamplesUrl);
