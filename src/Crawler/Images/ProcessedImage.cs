using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Images;

/// <summary>A validated, resized and re-encoded image.</summary>
/// <param name="Bytes">The encoded result.</param>
/// <param name="Encoding">Its encoding.</param>
/// <param name="Width">Its width in pixels.</param>
/// <param name="Height">Its height in pixels.</param>
/// <param name="OriginalWidth">Width of the downloaded image.</param>
/// <param name="OriginalHeight">Height of the downloaded image.</param>
/// <param name="SourceFormat">Format of the downloaded bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Bytes"/>.</param>
public sealed record ProcessedImage(byte[] Bytes, ImageEncoding Encoding, int Width, int Height, int OriginalWidth, int OriginalHeight, SourceImageFormat SourceFormat, string Sha256);
