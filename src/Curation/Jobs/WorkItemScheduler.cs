using System.Collections.Concurrent;

namespace Pipeline.Curation.Jobs;

/// <summary>
/// Runs work items with a bounded number in flight, so a cluster's workers share them and a slow one takes
/// fewer. A failed item is retried (its worker may have died; items are idempotent); one that fails every
/// attempt is reported and the others go on.
/// </summary>
public sealed class WorkItemScheduler(IWorkItemRunner runner, int parallel, int attempts = 3)
{
    /// <summary>Called after each item finishes, with the item's short name and how many are done.</summary>
    public event Action<string, int, int>? ItemDone;

    /// <summary>Runs <paramref name="items"/>; the results are in item order, null where the item failed.</summary>
    public async Task<(WorkItemResult?[] Results, IReadOnlyList<WorkItemFailure> Failures)> RunAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new WorkItemResult?[items.Count];
        var failures = new ConcurrentBag<(int Index, WorkItemFailure Failure)>();
        var done = 0;
        await Parallel.ForAsync(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellationToken }, async (i, ct) =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    results[i] = await runner.RunAsync(items[i], ct);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    if (attempt >= Math.Max(1, attempts))
                    {
                        failures.Add((i, new WorkItemFailure(items[i].Describe(), ex.Message.ReplaceLineEndings(" "))));
                        break;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), ct);
                }
            }

            ItemDone?.Invoke(items[i].Describe(), Interlocked.Increment(ref done), items.Count);
        });

        return (results, [.. failures.OrderBy(f => f.Index).Select(f => f.Failure)]);
    }
}
