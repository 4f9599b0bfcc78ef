namespace Pipeline.Sharding.Progress;

/// <summary>
/// Progress that calls its handler on the reporting thread, in order. <see cref="Progress{T}"/> posts each report to
/// the thread pool when there is no synchronization context, so lines can arrive out of order or after the work ended.
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
