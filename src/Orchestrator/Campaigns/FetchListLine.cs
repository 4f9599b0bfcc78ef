namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// One pair of a fetch chunk's list (JSON lines in the URL list format, with the lineage fields of the shard
/// schema): what to download and why it is in the data set.
/// </summary>
public sealed record FetchListLine(
    string Key, string Url, string Caption, string? PageUrl, IReadOnlyList<int> MatchedEntryIds, int? KeptForEntry, double? KeepProbability, bool? Reserve);
