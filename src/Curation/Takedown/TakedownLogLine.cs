namespace Pipeline.Curation.Takedown;

/// <summary>One removed (or, in a dry run, matching) sample: a line of the takedown log <c>takedown/NNNN.jsonl</c>.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="Url">The image URL.</param>
/// <param name="Shard">The shard it was in.</param>
/// <param name="Selector">The selector that matched it (<c>domain example.com</c>).</param>
/// <param name="Reason">The request's reason; null when none was given.</param>
/// <param name="Time">When the takedown ran (UTC).</param>
public sealed record TakedownLogLine(string Key, string Url, string Shard, string Selector, string? Reason, DateTimeOffset Time);
