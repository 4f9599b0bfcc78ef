namespace Pipeline.Curation.Jobs;

/// <summary>What one work item did: samples in and out, dropped by reason, and step-specific counts.</summary>
/// <param name="Part">The item's part.</param>
/// <param name="Input">Samples read (or hashes searched).</param>
/// <param name="Output">Samples written (or pairs found).</param>
/// <param name="Dropped">Samples dropped, by reason.</param>
/// <param name="Resumed">True when the item had already been done by an earlier run and was not redone.</param>
public sealed record WorkItemResult(string Part, long Input, long Output, IReadOnlyDictionary<string, long> Dropped, bool Resumed = false);
