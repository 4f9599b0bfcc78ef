namespace Pipeline.Orchestrator.Campaigns;

/// <summary>One pair of a fetch chunk's list: what to download and the entry it was kept for.</summary>
public sealed record FetchListLine(string Key, string Url, string Caption, string? PageUrl, int Entry);
