namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>A sample's stored image bytes.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="ContentType">Its media type, from the shard's image column (<c>jpg</c> or <c>webp</c>).</param>
/// <param name="Sha256">Hex SHA-256 of the bytes, as the shard stores it (the entity tag).</param>
public sealed record ExplorerImage(byte[] Bytes, string ContentType, string? Sha256);
