namespace Pipeline.Curation.WordNet;

/// <summary>Raised when no folder with the WordNet data files can be found; the message lists where it looked.</summary>
public sealed class WordNetNotFoundException : Exception
{
    public WordNetNotFoundException()
    {
    }

    public WordNetNotFoundException(string message)
        : base(message)
    {
    }

    public WordNetNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
