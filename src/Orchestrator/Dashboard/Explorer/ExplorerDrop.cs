namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A record a curation step dropped, with the sample it was dropped for when there is one.</summary>
/// <param name="Key">The dropped sample's key.</param>
/// <param name="Caption">Its caption (untrusted web text).</param>
/// <param name="Url">Its image URL.</param>
/// <param name="Detail">The step's detail (for dedup, the verification figures: colour, detail and aspect distances).</param>
/// <param name="Distance">Hamming distance of the perceptual hashes, for near duplicates.</param>
/// <param name="ThumbnailUrl">Where its image is served, when the step's input is a configured store; otherwise null.</param>
/// <param name="KeeperKey">The key of the sample it was dropped for (dedup), or null.</param>
/// <param name="Keeper">That sample as the store holds it, or null when it is not there.</param>
public sealed record ExplorerDrop(string Key, string? Caption, string? Url, string? Detail, int? Distance, string? ThumbnailUrl, string? KeeperKey, ExplorerSample? Keeper);
