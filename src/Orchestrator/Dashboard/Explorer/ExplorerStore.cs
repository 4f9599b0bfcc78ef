namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A store the explorer may read, with what its manifest says is committed.</summary>
/// <param name="Name">The name it is configured under (<c>Dashboard:Stores:NAME</c>).</param>
/// <param name="Shards">Committed shards.</param>
/// <param name="Samples">Committed samples.</param>
public sealed record ExplorerStore(string Name, int Shards, long Samples);
