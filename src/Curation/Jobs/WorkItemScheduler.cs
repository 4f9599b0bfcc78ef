using System.Collections.Concurrent;

namespace Pipeline.Curation.Jobs;

/// <summary>
/// Runs work items with a bounded number in flight, so a cluster's workers share them and a slow one takes
/// fewer. A failed item is retried (its worker may have died; items are idempotent); one that fails every
/// attempt is reported and the others go on.
/// </summary>
/// <typeparam name="TItem">The work item type.</typeparam>
/// <typeparam name="TResult">What running one item returns.</typeparam>
/// <param name="run">Runs one item; running an item twice must do its work once.</param>
/// <param name="describe">A short name of an item for progress and failure lines.</param>
/// <param name="parallel">Items in flight.</param>
/// <param name="attempts">Attempts per item before it is reported as failed.</param>
public sealed class WorkItemScheduler<TItem, TResult>(Func<TItem, CancellationToken, Task<TResult>> run, Func<TItem, string> describe, int parallel, int attempts = 3)
    where TResult : class
{
    /// <summary>Called after each item finishes, with the item's short name and how many are done.</summary>
    public event Action<string, int, int>? ItemDone;

    /// <summary>Runs <paramref name="items"/>, all of which the caller needs: the results in item order.</summary>
    /// <exception cref="InvalidOperationException">An item failed every attempt; the message starts with <paramref name="what"/> and names each failed item.</exception>
    public async Task<TResult[]> RunAllAsync(IReadOnlyList<TItem> items, string what, CancellationToken cancellationToken)
    {
        var (results, failures) = await RunAsync(items, cancellationToken);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"{what} failed: {string.Join("; ", failures.Select(f => $"{f.Item}: {f.Reason}"))}");
        }

        return [.. results.Select(r => r!)];
    }

    /// <summary>Runs <paramref name="items"/>; the results are in item order, null where the item failed.</summary>
    public async Task<(TResult?[] Results, IReadOnlyList<WorkItemFailure> Failures)> RunAsync(IReadOnlyList<TItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new TResult?[items.Count];
        var failures = new ConcurrentBag<(int Index, WorkItemFailure Failure)>();
        var done = 0;
        await Parallel.ForAsync(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellationToken }, async (i, ct) =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    results[i] = await run(items[i], ct);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    if (attempt >= Math.Max(1, attempts))
                    {
                        failures.Add((i, new WorkItemFailure(describe(items[i]), ex.Message.ReplaceLineEndings(" "))));
                        break;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), ct);
                }
            }

            ItemDone?.Invoke(describe(items[i]), Interlocked.Increment(ref done), items.Count);
        });

        return (results, [.. failures.OrderBy(f => f.Index).Select(f => f.Failure)]);
    }
}
