namespace Pipeline.Crawler.Images;

/// <summary>A re-encoded, downsized image with the size it had before.</summary>
/// <param name="OriginalWidth">Width of the decoded source image, in pixels.</param>
/// <param name="OriginalHeight">Height of the decoded source image, in pixels.</param>
/// <param name="Width">Width of the thumbnail, in pixels.</param>
/// <param name="Height">Height of the thumbnail, in pixels.</param>
/// <param name="Jpeg">The thumbnail encoded as JPEG.</param>
public sealed record Thumbnail(int OriginalWidth, int OriginalHeight, int Width, int Height, byte[] Jpeg);
