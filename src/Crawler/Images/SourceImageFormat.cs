namespace Pipeline.Crawler.Images;

/// <summary>Encoded image formats the crawler accepts, recognised by their first bytes rather than the declared Content-Type.</summary>
public enum SourceImageFormat
{
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    Tiff,
    Avif,
}
