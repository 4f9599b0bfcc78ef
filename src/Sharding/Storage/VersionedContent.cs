namespace Pipeline.Sharding.Storage;

/// <summary>A small object's bytes and the version token a conditional replace compares against.</summary>
/// <param name="Content">The object's bytes.</param>
/// <param name="Version">Opaque version: a blob ETag, or a content hash for local files.</param>
public sealed record VersionedContent(byte[] Content, string Version);
