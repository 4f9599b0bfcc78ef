namespace Pipeline.Curation.Queries;

/// <summary>
/// Merges sorted count runs into one sorted stream of (key, total), holding one record per run in memory: the
/// k-way merge that keeps aggregation bounded however many distinct keys there are.
/// </summary>
public static class CountMerger
{
    /// <summary>Streams the keys of all <paramref name="runs"/> in ordinal order with their summed counts.</summary>
    public static IEnumerable<KeyValuePair<string, long>> Merge(IReadOnlyList<string> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var readers = new List<CountRunReader>(runs.Count);
        try
        {
            var queue = new PriorityQueue<int, string>(StringComparer.Ordinal);
            foreach (var run in runs)
            {
                var reader = new CountRunReader(run);
                readers.Add(reader);
                if (reader.MoveNext())
                {
                    queue.Enqueue(readers.Count - 1, reader.Key);
                }
            }

            long checkedAt = 0;
            while (queue.TryDequeue(out var index, out var key))
            {
                var total = readers[index].Count;
                Advance(index);
                while (queue.TryPeek(out var other, out var otherKey) && string.Equals(otherKey, key, StringComparison.Ordinal))
                {
                    queue.Dequeue();
                    total += readers[other].Count;
                    Advance(other);
                }

                if (++checkedAt % 65_536 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                yield return new(key, total);
            }

            void Advance(int i)
            {
                if (readers[i].MoveNext())
                {
                    queue.Enqueue(i, readers[i].Key);
                }
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }
}
