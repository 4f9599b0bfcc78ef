using System.Diagnostics;

namespace Pipeline.Sharding.Progress;

/// <summary>Progress that reports at most once per interval, for progress lines on long work.</summary>
public sealed class ThrottledProgress<T> : IProgress<T>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _interval;
    private readonly Action<T> _report;
    private TimeSpan _next;

    /// <summary>Reports through <paramref name="report"/> at most once per <paramref name="interval"/>, the first time after one interval.</summary>
    public ThrottledProgress(TimeSpan interval, Action<T> report)
    {
        _interval = interval;
        _report = report;
        _next = interval;
    }

    /// <inheritdoc/>
    public void Report(T value)
    {
        if (_clock.Elapsed >= _next)
        {
            _next = _clock.Elapsed + _interval;
            _report(value);
        }
    }
}
