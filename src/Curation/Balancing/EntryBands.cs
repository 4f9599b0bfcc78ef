using Pipeline.Curation.Counting;

namespace Pipeline.Curation.Balancing;

/// <summary>
/// The matched entries in rarity order (fewest matches, then lowest id), cut into consecutive bands whose ranked
/// windows together hold at most a budget of pairs, so exact balancing can rank one band at a time in bounded memory.
/// </summary>
public sealed class EntryBands
{
    private readonly int[] _bandOf;
    private readonly List<int[]> _bands;

    private EntryBands(int[] bandOf, List<int[]> bands)
    {
        _bandOf = bandOf;
        _bands = bands;
    }

    /// <summary>Number of bands.</summary>
    public int Count => _bands.Count;

    /// <summary>The band of <paramref name="entry"/>, or -1 when it never matched.</summary>
    public int BandOf(int entry) => _bandOf[entry];

    /// <summary>The entries of band <paramref name="band"/>, rarest first.</summary>
    public IReadOnlyList<int> EntriesOf(int band) => _bands[band];

    /// <summary>
    /// Cuts the matched entries of <paramref name="counts"/> into bands of at most <paramref name="bandRows"/> ranked
    /// pairs, an entry weighing min(count, <paramref name="window"/>); an entry heavier than the budget is a band alone.
    /// </summary>
    public static EntryBands Cut(EntryCounts counts, long window, long bandRows)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(bandRows, 1);
        var bandOf = new int[counts.EntryCount];
        Array.Fill(bandOf, -1);
        var order = Enumerable.Range(0, counts.EntryCount).Where(e => counts[e] > 0).ToArray();
        Array.Sort(order, (a, b) => counts[a] != counts[b] ? counts[a].CompareTo(counts[b]) : a.CompareTo(b));
        var bands = new List<int[]>();
        var current = new List<int>();
        long weight = 0;
        foreach (var entry in order)
        {
            var w = Math.Min(counts[entry], window);
            if (current.Count > 0 && weight + w > bandRows)
            {
                bands.Add([.. current]);
                current.Clear();
                weight = 0;
            }

            bandOf[entry] = bands.Count;
            current.Add(entry);
            weight += w;
        }

        if (current.Count > 0)
        {
            bands.Add([.. current]);
        }

        return new EntryBands(bandOf, bands);
    }
}
