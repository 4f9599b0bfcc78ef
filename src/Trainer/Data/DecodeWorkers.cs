using System.Collections.Concurrent;

namespace Pipeline.Trainer.Data;

/// <summary>
/// A fixed set of long-lived threads that decode images. libvips keeps buffers per thread and frees them only
/// when that thread shuts down, so decoding on the thread pool's coming and going threads grows native memory;
/// the same few threads for the whole run keep it flat.
/// </summary>
public sealed class DecodeWorkers : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread[] _threads;

    public DecodeWorkers(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _threads = [.. Enumerable.Range(0, threads).Select(i => new Thread(Work) { IsBackground = true, Name = $"decode-{i}" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on the workers and returns when all are done; the first exception is rethrown.</summary>
    public void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var done = new CountdownEvent(count);
        Exception? failure = null;
        for (var i = 0; i < count; i++)
        {
            var index = i;
            _work.Add(() =>
            {
                try
                {
                    body(index);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        done.Wait();
        if (failure is not null)
        {
            throw new AggregateException(failure);
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _work.Dispose();
    }

    private void Work()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }
    }
}
