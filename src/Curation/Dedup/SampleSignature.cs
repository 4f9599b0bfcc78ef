namespace Pipeline.Curation.Dedup;

/// <summary>What deduplication needs to know of one sample, without its image.</summary>
/// <param name="Row">Row of the sample in its shard, counting across row groups.</param>
/// <param name="Key">The sample's key.</param>
/// <param name="UrlCaption">XXH128 of the canonical URL and the normalized caption: equal for the same pair fetched twice.</param>
/// <param name="ImageCaption">XXH128 of the image bytes' SHA-256 and the normalized caption: equal for identical pairs.</param>
/// <param name="PerceptualHash">The image's DCT hash (the shards' <c>perceptual_hash</c>); null when the image does not decode.</param>
/// <param name="NearHash">
/// The hash near-duplicate candidates are searched by: the fingerprint's <see cref="ImageFingerprint.NearHash"/>, or the
/// stored perceptual hash for an image that does not decode here but came with one; null when there is neither.
/// </param>
/// <param name="Pixels">Original width times height, the first criterion for which duplicate to keep.</param>
/// <param name="Problem">Why there is no hash, for the log.</param>
/// <param name="Fingerprint">The evidence near-duplicate verification compares; null when the image does not decode.</param>
public sealed record SampleSignature(
    int Row, string Key, UInt128 UrlCaption, UInt128 ImageCaption, ulong? PerceptualHash, ulong? NearHash, long Pixels, string? Problem,
    ImageFingerprint? Fingerprint = null);
