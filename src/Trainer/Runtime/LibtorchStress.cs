using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Runtime;

/// <summary>
/// Shakes out native-lifetime bugs in whatever runs meanwhile (the soak test and benchmark): one thread forces
/// full garbage collections and waits for finalizers, another runs libtorch work whose tensors are left to the
/// finalizer, so native memory is freed and reused while the code under test is inside libtorch calls. A
/// <see cref="Scalar"/> or tensor that nothing holds during such a call is freed under it and fails loudly.
/// </summary>
public sealed class LibtorchStress : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private long _collections;
    private long _operations;
    private readonly TimeSpan _pause;
    private Exception? _failure;

    /// <summary>Starts the threads; <see cref="Dispose"/> stops them.</summary>
    /// <param name="pause">The collector's rest between collections (zero: none, which starves the code under test).</param>
    public LibtorchStress(TimeSpan pause)
    {
        _pause = pause;
        _threads =
        [
            new Thread(Collect) { IsBackground = true, Name = "stress: GC" },
            new Thread(Churn) { IsBackground = true, Name = "stress: libtorch" },
        ];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Full collections forced so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>libtorch passes of the churn thread so far.</summary>
    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>What stopped the churn thread, if anything did.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Stops the threads and waits for them.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _stop.Dispose();
    }

    private void Collect()
    {
        while (!_stop.IsCancellationRequested)
        {
            // Young objects, such as a temporary Scalar, die in generation 0: cheap collections, many per second.
            // Every hundredth is a full one that waits for the finalizers, so nothing piles up.
            var collections = Interlocked.Increment(ref _collections);
            if (collections % 100 == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            else
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            }

            // Paced: back to back, collections keep the runtime suspended nearly all the time and the code under test
            // barely runs (a soak took 30 min instead of 2); a millisecond apart, hundreds a second still catch an
            // unheld Scalar within seconds.
            if (_pause > TimeSpan.Zero)
            {
                _stop.Token.WaitHandle.WaitOne(_pause);
            }
        }
    }

    private void Churn()
    {
        try
        {
            using var generator = new Generator(7);
            var round = 0;
            while (!_stop.IsCancellationRequested)
            {
                // a and b are left to the finalizer on purpose, so native memory is freed and reused all the time;
                // they are held until their last use, and the results by a dispose scope.
                var a = randn([64, 64], generator: generator);
                var b = randn([64, 64], generator: generator);
                using (NewDisposeScope())
                {
                    _ = a.matmul(b).softmax(-1).sum().item<float>();
                }

                GC.KeepAlive(a);
                GC.KeepAlive(b);
                if (++round % 50 == 0)
                {
                    TorchSelfTest.Run(round);
                }

                Interlocked.Increment(ref _operations);
                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(1));
            }
        }
        catch (Exception e)
        {
            Volatile.Write(ref _failure, e);
        }
    }
}
