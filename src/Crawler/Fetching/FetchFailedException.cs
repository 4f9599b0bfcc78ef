namespace Pipeline.Crawler.Fetching;

/// <summary>A fetch that ended in a classified failure; thrown inside the fetcher and turned into a <see cref="FetchResult"/>.</summary>
public sealed class FetchFailedException : Exception
{
    public FetchFailedException()
    {
    }

    public FetchFailedException(string message)
        : base(message)
    {
    }

    public FetchFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A failure of class <paramref name="errorClass"/>.</summary>
    public FetchFailedException(FetchErrorClass errorClass, string message, int? httpStatus = null)
        : base(message)
    {
        ErrorClass = errorClass;
        HttpStatus = httpStatus;
    }

    /// <summary>The class of the failure.</summary>
    public FetchErrorClass ErrorClass { get; }

    /// <summary>The HTTP status, when the failure is one.</summary>
    public int? HttpStatus { get; }
}
