namespace Pipeline.Crawler.Stages;

/// <summary>A fetched chunk's commit record, <c>fetch/NAME.json</c>, written last: a chunk with one is never redone.</summary>
public sealed record FetchChunkRecord(string Chunk, int Entries, int Images, string? Shard);
