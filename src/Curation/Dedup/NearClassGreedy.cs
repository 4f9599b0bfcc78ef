namespace Pipeline.Curation.Dedup;

/// <summary>
/// The near-duplicate rule over classes of equal perceptual hashes: classes are visited from the most preferred
/// down; one within the distance limit of an already kept class joins the nearest such class (ties to the more
/// preferred), otherwise it is kept. Shared by the in-memory and the partitioned resolver so both decide alike.
/// </summary>
public static class NearClassGreedy
{
    /// <summary>
    /// Groups <paramref name="count"/> classes linked by <paramref name="pairs"/> (class indexes); <paramref name="order"/>
    /// lists the classes most preferred first. Returns each class's representative (itself when kept) and its distance to it.
    /// </summary>
    public static (int[] Representative, int[] Distance) Resolve(int count, IReadOnlyList<NearPair> pairs, int[] order)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(order);

        // Adjacency lists in one array (CSR): both directions of every pair.
        var starts = new int[count + 1];
        foreach (var p in pairs)
        {
            starts[p.A + 1]++;
            starts[p.B + 1]++;
        }

        for (var i = 1; i <= count; i++)
        {
            starts[i] += starts[i - 1];
        }

        var next = starts[..^1];
        var neighbours = new (int Class, int Distance)[starts[count]];
        foreach (var p in pairs)
        {
            neighbours[next[p.A]++] = (p.B, p.Distance);
            neighbours[next[p.B]++] = (p.A, p.Distance);
        }

        var rank = new int[count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var representative = new int[count];
        var distance = new int[count];
        var kept = new bool[count];
        foreach (var c in order)
        {
            var chosen = -1;
            for (var i = starts[c]; i < starts[c + 1]; i++)
            {
                var (other, d) = neighbours[i];
                if (kept[other] && (chosen < 0 || d < distance[c] || (d == distance[c] && rank[other] < rank[chosen])))
                {
                    chosen = other;
                    distance[c] = d;
                }
            }

            kept[c] = chosen < 0;
            representative[c] = kept[c] ? c : chosen;
        }

        return (representative, distance);
    }
}
