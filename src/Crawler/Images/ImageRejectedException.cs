using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Images;

/// <summary>Raised when bytes are not an image we keep: not an image, too many pixels, too small, or damaged.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
    {
    }

    public ImageRejectedException(string message)
        : base(message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A rejection of class <paramref name="errorClass"/>.</summary>
    public ImageRejectedException(FetchErrorClass errorClass, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorClass = errorClass;
    }

    /// <summary>Why the image was rejected.</summary>
    public FetchErrorClass ErrorClass { get; }
}
