namespace Pipeline.Curation.Dedup;

/// <summary>One dropped sample: its row in its shard, the reason, the kept sample it duplicates and how far its hash is from that one's.</summary>
public sealed record DedupDecision(int Row, string Reason, string? DuplicateOf, int? Distance, string? Detail);
