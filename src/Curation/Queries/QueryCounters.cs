namespace Pipeline.Curation.Queries;

/// <summary>Live figures of counting in progress in this process, read by the progress line; thread-safe.</summary>
public sealed class QueryCounters
{
    private long _pages;
    private long _tokens;
    private long _bytes;

    /// <summary>Pages read.</summary>
    public long Pages => Interlocked.Read(ref _pages);

    /// <summary>Words counted.</summary>
    public long Tokens => Interlocked.Read(ref _tokens);

    /// <summary>Dump bytes read.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Adds (or, negative, removes) figures.</summary>
    public void Add(long pages, long tokens, long bytes)
    {
        Interlocked.Add(ref _pages, pages);
        Interlocked.Add(ref _tokens, tokens);
        Interlocked.Add(ref _bytes, bytes);
    }
}
