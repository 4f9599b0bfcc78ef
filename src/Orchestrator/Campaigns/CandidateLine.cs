namespace Pipeline.Orchestrator.Campaigns;

/// <summary>One extracted candidate, as <c>crawl extract</c> writes it.</summary>
public sealed record CandidateLine(string Key, string Url, string Caption, string? PageUrl, string TextSource);
