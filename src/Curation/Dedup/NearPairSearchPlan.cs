namespace Pipeline.Curation.Dedup;

/// <summary>
/// The near-pair search over n distinct hashes cut into independent work items of bounded memory: one per slice of
/// each chunk table (<see cref="HammingSlice"/>), item i searching chunk i / <see cref="Slices"/>, slice i mod
/// <see cref="Slices"/>. Every item streams every hash as a query; together the items do the probes of one whole
/// index, so cutting finer costs reads of the hash list, not search work.
/// </summary>
public sealed class NearPairSearchPlan
{
    private const int MaxSliceBits = 16;

    private NearPairSearchPlan(HammingChunkLayout layout, int sliceBits)
    {
        Layout = layout;
        SliceBits = sliceBits;
    }

    /// <summary>How the hashes are cut into chunks.</summary>
    public HammingChunkLayout Layout { get; }

    /// <summary>Bits of a chunk's value that choose its slice.</summary>
    public int SliceBits { get; }

    /// <summary>Slices per chunk.</summary>
    public int Slices => 1 << SliceBits;

    /// <summary>Work items: chunks times slices.</summary>
    public int Items => Layout.Count * Slices;

    /// <summary>
    /// The plan for <paramref name="hashCount"/> hashes whose slices hold about <paramref name="indexRows"/> hashes at
    /// most (uniform hashes; skewed ones fill some slices more), with at least <paramref name="minItems"/> items.
    /// </summary>
    public static NearPairSearchPlan For(long hashCount, long indexRows, int minItems = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hashCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(indexRows, 1);
        var layout = HammingChunkLayout.For(hashCount);
        var limit = Math.Min(MaxSliceBits, Enumerable.Range(0, layout.Count).Min(layout.Width));
        var bits = 0;
        while (bits < limit && ((hashCount >> bits) > indexRows || layout.Count << bits < minItems))
        {
            bits++;
        }

        return new NearPairSearchPlan(layout, bits);
    }

    /// <summary>The plan a coordinator made for <paramref name="hashCount"/> hashes in <paramref name="items"/> items, as a worker rebuilds it.</summary>
    /// <exception cref="InvalidDataException"><paramref name="items"/> is not chunks times a power of two for that many hashes.</exception>
    public static NearPairSearchPlan FromItems(long hashCount, int items)
    {
        var layout = HammingChunkLayout.For(hashCount);
        for (var bits = 0; bits <= MaxSliceBits; bits++)
        {
            if (layout.Count << bits == items)
            {
                return new NearPairSearchPlan(layout, bits);
            }
        }

        throw new InvalidDataException($"{items} near-pair search items do not fit {hashCount} hashes in {layout.Count} chunks: was the hash list rewritten after the search was planned?");
    }

    /// <summary>The chunk and slice work item <paramref name="item"/> searches.</summary>
    public (int Chunk, int Slice) ItemAt(int item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(item, Items);
        return (item >> SliceBits, item & (Slices - 1));
    }
}
