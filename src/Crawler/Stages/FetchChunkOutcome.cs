namespace Pipeline.Crawler.Stages;

/// <summary>A committed chunk and, in list order, whether each entry's image was fetched.</summary>
public sealed record FetchChunkOutcome(FetchChunkRecord Record, IReadOnlyList<bool> Succeeded);
