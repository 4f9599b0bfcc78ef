namespace Pipeline.Orchestrator.Shards;

/// <summary>What a <see cref="StoreQuery"/> returned.</summary>
/// <param name="Columns">Column names, in order.</param>
/// <param name="Rows">The rows, each a value per column (null for SQL NULL).</param>
/// <param name="Truncated">True when the query gave more rows than were asked for.</param>
public sealed record StoreQueryResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows, bool Truncated);
