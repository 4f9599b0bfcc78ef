namespace Pipeline.Curation.Takedown;

/// <summary>What a takedown removes and why.</summary>
/// <param name="Selectors">The selectors; a sample matching any of them is removed (the first that matches is logged).</param>
/// <param name="Reason">Why, for the log and the data card (a request's reference, say); null when not given.</param>
/// <param name="DryRun">List the matches without changing anything.</param>
public sealed record TakedownRequest(IReadOnlyList<TakedownSelector> Selectors, string? Reason, bool DryRun);
