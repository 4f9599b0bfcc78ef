namespace Pipeline.Curation.Balancing;

/// <summary>
/// Ranks one band of exact balancing in this process: reads the band's scattered (entry, priority, ordinal) rows,
/// keeps each entry's best <see cref="BandRankItem.Window"/> by (priority, ordinal), and writes them ranked, entry
/// by entry in the band's (rarity) order. The code every worker runs. It holds at most
/// <see cref="BandRankItem.SortRows"/> rows at once: more are sorted in runs on disk (each cut to the window per
/// entry, which keeps every entry's best) and merged, so a refill's unbounded window costs disk, not memory.
/// </summary>
/// <param name="hold">Told each change of the rows held, so the caller can track memory over parallel bands; may be null.</param>
public sealed class BandRanker(Action<long>? hold = null) : IBandRankRunner
{
    private const int BufferSize = 1 << 16;

    /// <summary>Most run files merged at once; more are merged in rounds.</summary>
    private const int MergeFanIn = 64;

    /// <summary>The smallest sort budget: runs of a few rows would cost a file each for nothing.</summary>
    public const int MinSortRows = 256;

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
        var places = new Dictionary<int, int>(entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            places[entries[i]] = i;
        }

        var totals = new long[entries.Length];
        var runs = new List<string>();
        var budget = (int)Math.Clamp(item.SortRows, MinSortRows, Array.MaxLength);
        long held = 0;
        long most = 0;
        try
        {
            RankRow[] chunk;
            using (var reader = new BinaryReader(new FileStream(rowsPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize)))
            {
                var rows = reader.BaseStream.Length / RowBytes;
                chunk = new RankRow[(int)Math.Min(rows, budget)];
                Held(chunk.Length);
                for (long row = 0; row < rows;)
                {
                    var count = (int)Math.Min(chunk.Length, rows - row);
                    for (var i = 0; i < count; i++)
                    {
                        var entry = reader.ReadInt32();
                        var place = places[entry];
                        totals[place]++;
                        chunk[i] = new RankRow(place, reader.ReadUInt64(), reader.ReadInt64());
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    row += count;
                    Array.Sort(chunk, 0, count);
                    if (row == rows && runs.Count == 0)
                    {
                        // Everything fit in one sort: write the ranking directly.
                        WriteRanked(rankedPath, entries, totals, item.Window, chunk.Take(count));
                        break;
                    }

                    var run = $"{rankedPath}.run{runs.Count}";
                    using (var writer = Create(run, count * RankRow.Bytes))
                    {
                        foreach (var r in Windowed(chunk.Take(count), item.Window))
                        {
                            r.Write(writer);
                        }
                    }

                    runs.Add(run);
                }
            }

            Held(-chunk.Length);
            chunk = [];
            if (runs.Count > 0)
            {
                while (runs.Count > MergeFanIn)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var merged = $"{rankedPath}.run{runs.Count}.m";
                    using (var writer = Create(merged))
                    {
                        foreach (var r in Windowed(Merge(runs[..MergeFanIn]), item.Window))
                        {
                            r.Write(writer);
                        }
                    }

                    runs.RemoveRange(0, MergeFanIn);
                    runs.Add(merged);
                }

                WriteRanked(rankedPath, entries, totals, item.Window, Merge(runs));
            }

            File.Delete(rowsPath);
            return most;
        }
        finally
        {
            Held(-held);
            foreach (var run in Directory.EnumerateFiles(item.Folder, Path.GetFileName(rankedPath) + ".run*"))
            {
                File.Delete(run);
            }
        }

        void Held(long rows)
        {
            held += rows;
            most = Math.Max(most, held);
            hold?.Invoke(rows);
        }
    }

    /// <summary>Rows in ranking order, each entry's cut to its best <paramref name="window"/>.</summary>
    private static IEnumerable<RankRow> Windowed(IEnumerable<RankRow> sorted, int window)
    {
        var place = -1;
        var taken = 0;
        foreach (var row in sorted)
        {
            if (row.Place != place)
            {
                (place, taken) = (row.Place, 0);
            }

            if (taken++ < window)
            {
                yield return row;
            }
        }
    }

    /// <summary>The rows of sorted run files, merged in ranking order; each run file is deleted once read.</summary>
    private static IEnumerable<RankRow> Merge(List<string> runs)
    {
        var readers = runs.Select(r => new BinaryReader(new FileStream(r, FileMode.Open, FileAccess.Read, FileShare.Read, BufferFor(new FileInfo(r).Length), FileOptions.DeleteOnClose))).ToList();
        try
        {
            var heads = new PriorityQueue<int, RankRow>();
            for (var i = 0; i < readers.Count; i++)
            {
                if (RankRow.TryRead(readers[i], out var row))
                {
                    heads.Enqueue(i, row);
                }
            }

            while (heads.TryDequeue(out var i, out var row))
            {
                yield return row;
                if (RankRow.TryRead(readers[i], out var next))
                {
                    heads.Enqueue(i, next);
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

    /// <summary>Writes each entry, in band order, with its best min(total, window) ordinals from <paramref name="sorted"/>.</summary>
    private static void WriteRanked(string rankedPath, int[] entries, long[] totals, int window, IEnumerable<RankRow> sorted)
    {
        var temporary = rankedPath + ".tmp";
        using (var ranked = Create(temporary))
        {
            var place = -1;
            foreach (var row in Windowed(sorted, window))
            {
                if (row.Place != place)
                {
                    place = row.Place;
                    ranked.Write(entries[place]);
                    ranked.Write((int)Math.Min(totals[place], window));
                }

                ranked.Write(row.Ordinal);
            }
        }

        File.Move(temporary, rankedPath, overwrite: true);
    }

    private static BinaryWriter Create(string path, long bytes = BufferSize) => new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferFor(bytes)));

    // Small runs (a small budget) get small buffers: thousands of 64 KB buffers would cost more than the sort.
    private static int BufferFor(long bytes) => (int)Math.Clamp(bytes, 1, BufferSize);

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
