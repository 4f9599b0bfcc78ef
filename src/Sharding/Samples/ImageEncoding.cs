namespace Pipeline.Sharding.Samples;

/// <summary>How a shard's images are encoded; names the image column, as img2dataset does (<c>jpg</c>, <c>webp</c>).</summary>
public enum ImageEncoding
{
    Jpg,
    Webp,
}
