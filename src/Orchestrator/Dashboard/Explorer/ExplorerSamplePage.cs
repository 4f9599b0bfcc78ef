namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>One page of an entry's kept samples, in key order.</summary>
/// <param name="Store">The store's name.</param>
/// <param name="Entry">The entry id, or null for samples kept for no entry.</param>
/// <param name="Offset">Samples skipped before this page.</param>
/// <param name="Limit">The page size asked for.</param>
/// <param name="Total">The entry's samples in all.</param>
/// <param name="Samples">This page's samples.</param>
public sealed record ExplorerSamplePage(string Store, int? Entry, int Offset, int Limit, long Total, IReadOnlyList<ExplorerSample> Samples);
