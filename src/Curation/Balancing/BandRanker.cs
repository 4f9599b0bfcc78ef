namespace Pipeline.Curation.Balancing;

/// <summary>
/// Ranks one band of exact balancing in this process: reads the band's scattered (entry, priority, ordinal) rows,
/// keeps each entry's best <see cref="BandRankItem.Window"/> by (priority, ordinal), and writes them ranked, entry
/// by entry in the band's (rarity) order. The code every worker runs.
/// </summary>
/// <param name="hold">Told each change of the rows held, so the caller can track memory over parallel bands; may be null.</param>
public sealed class BandRanker(Action<long>? hold = null) : IBandRankRunner
{
    private const int BufferSize = 1 << 16;

    /// <summary>Bytes of one scattered row: entry (4), priority (8), ordinal (8).</summary>
    public const int RowBytes = 20;

    /// <inheritdoc/>
    public Task<long> RankAsync(BandRankItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Task.Run(() => Rank(item, cancellationToken), cancellationToken);
    }

    private long Rank(BandRankItem item, CancellationToken cancellationToken)
    {
        var rowsPath = BandRankItem.PathOf(item.Folder, "rows", item.Band);
        var rankedPath = BandRankItem.PathOf(item.Folder, "ranked", item.Band);
        if (!File.Exists(rowsPath))
        {
            // Ranked by an earlier attempt (the rows go only after the ranking is written).
            return 0;
        }

        var entries = ReadEntries(BandRankItem.PathOf(item.Folder, "entries", item.Band));
        var worstFirst = Comparer<(ulong Priority, long Ordinal)>.Create((a, b) => b.CompareTo(a));
        var queues = new Dictionary<int, PriorityQueue<long, (ulong Priority, long Ordinal)>>();
        long held = 0;
        try
        {
            using (var reader = new BinaryReader(new FileStream(rowsPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize)))
            {
                var rows = reader.BaseStream.Length / RowBytes;
                for (long row = 0; row < rows; row++)
                {
                    if ((row & 0xFFFF) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var entry = reader.ReadInt32();
                    var rank = (reader.ReadUInt64(), reader.ReadInt64());
                    if (!queues.TryGetValue(entry, out var queue))
                    {
                        queues[entry] = queue = new PriorityQueue<long, (ulong, long)>(worstFirst);
                    }

                    if (queue.Count < item.Window)
                    {
                        queue.Enqueue(rank.Item2, rank);
                        held++;
                        hold?.Invoke(1);
                    }
                    else if (queue.TryPeek(out _, out var worst) && rank.CompareTo(worst) < 0)
                    {
                        queue.DequeueEnqueue(rank.Item2, rank);
                    }
                }
            }

            var temporary = rankedPath + ".tmp";
            using (var ranked = new BinaryWriter(new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize)))
            {
                foreach (var entry in entries)
                {
                    if (queues.Remove(entry, out var queue))
                    {
                        var ordinals = queue.UnorderedItems.OrderBy(i => i.Priority).Select(i => i.Element).ToArray();
                        ranked.Write(entry);
                        ranked.Write(ordinals.Length);
                        foreach (var o in ordinals)
                        {
                            ranked.Write(o);
                        }
                    }
                }
            }

            File.Move(temporary, rankedPath, overwrite: true);
            File.Delete(rowsPath);
            return held;
        }
        finally
        {
            hold?.Invoke(-held);
        }
    }

    private static int[] ReadEntries(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var entries = new int[reader.ReadInt32()];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = reader.ReadInt32();
        }

        return entries;
    }
}
