namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>One drop reason of one curation step: how many records it dropped, and some of them.</summary>
/// <param name="Step">The curation step (<c>filter</c>, <c>dedup</c>, <c>overlap</c>).</param>
/// <param name="Reason">The reason, as the step writes it (e.g. <c>near_duplicate</c>).</param>
/// <param name="Count">Records dropped for it.</param>
/// <param name="InputStore">The configured store that is the step's input (where dropped images are read), or null.</param>
/// <param name="Examples">Example records, in key order.</param>
public sealed record ExplorerDropReason(string Step, string Reason, long Count, string? InputStore, IReadOnlyList<ExplorerDrop> Examples);
