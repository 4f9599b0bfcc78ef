namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A store's entries, most samples first.</summary>
/// <param name="Store">The store's name.</param>
/// <param name="Entries">The entries, at most the limit asked for.</param>
/// <param name="Truncated">True when the store has more entries than were listed.</param>
public sealed record ExplorerEntryList(string Store, IReadOnlyList<ExplorerEntry> Entries, bool Truncated);
