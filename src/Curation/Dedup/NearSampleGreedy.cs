namespace Pipeline.Curation.Dedup;

/// <summary>
/// The near-duplicate rule, sample by sample: samples are visited from the most preferred down (the most original
/// pixels, then the smallest key, then the earlier position); a sample's candidates are the already kept samples
/// with the same hash or a hash within the limit, nearest hash first, then most preferred; of those the verifier
/// takes for the same picture it joins the closest match (then the nearest hash, then the most preferred), so a copy
/// joins its own original rather than a look-alike; otherwise it is kept. Each pair is compared at most once
/// (when its less preferred sample is visited), and at most a fixed number of candidates per sample, so the cost
/// per sample is bounded even where thousands of flat graphics share one hash. Decisions depend only on the samples
/// linked by hashes, so the in-memory and the partitioned resolver decide alike.
/// </summary>
public static class NearSampleGreedy
{
    /// <summary>Decides <paramref name="members"/>, linked by equal hashes and by <paramref name="hashPairs"/>.</summary>
    /// <param name="members">The samples, in any order.</param>
    /// <param name="hashPairs">Pairs of distinct hashes within the limit, with their distance; pairs naming a hash no member has are ignored.</param>
    /// <param name="verify">Compares two samples by their <see cref="NearMember.Global"/> positions.</param>
    /// <param name="maxComparisons">Most candidates compared per sample.</param>
    public static NearResolution Resolve(IReadOnlyList<NearMember> members, IEnumerable<(ulong A, ulong B, int Distance)> hashPairs, Func<long, long, DuplicateVerification> verify, int maxComparisons)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(hashPairs);
        ArgumentNullException.ThrowIfNull(verify);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxComparisons, 1);

        var classOf = new Dictionary<ulong, int>();
        var memberClass = new int[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            if (!classOf.TryGetValue(members[i].Hash, out var c))
            {
                classOf[members[i].Hash] = c = classOf.Count;
            }

            memberClass[i] = c;
        }

        var neighbours = new List<(int Class, int Distance)>?[classOf.Count];
        foreach (var (a, b, distance) in hashPairs)
        {
            if (classOf.TryGetValue(a, out var ca) && classOf.TryGetValue(b, out var cb))
            {
                (neighbours[ca] ??= []).Add((cb, distance));
                (neighbours[cb] ??= []).Add((ca, distance));
            }
        }

        var order = Enumerable.Range(0, members.Count).ToArray();
        Array.Sort(order, (x, y) => Compare(members[x], members[y]));
        var rank = new int[members.Count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var kept = new List<int>?[classOf.Count];
        var drops = new List<NearDrop>();
        var keepers = new HashSet<int>();
        long verified = 0, rejected = 0;
        var candidates = new List<(int Member, int Distance)>();
        foreach (var s in order)
        {
            var c = memberClass[s];
            candidates.Clear();
            AddCandidates(kept[c], 0);
            foreach (var (other, distance) in neighbours[c] ?? [])
            {
                AddCandidates(kept[other], distance);
            }

            candidates.Sort((x, y) => x.Distance != y.Distance ? x.Distance.CompareTo(y.Distance) : rank[x.Member].CompareTo(rank[y.Member]));
            (int Keeper, int Distance, DuplicateVerification Verification)? best = null;
            for (var i = 0; i < candidates.Count && i < maxComparisons; i++)
            {
                var (keeper, distance) = candidates[i];
                var verification = verify(members[s].Global, members[keeper].Global);
                verified++;
                if (!verification.Same)
                {
                    rejected++;
                }
                else if (best is null || verification.Score < best.Value.Verification.Score)
                {
                    // Candidates come nearest hash and most preferred first, so an equal score keeps the earlier one.
                    best = (keeper, distance, verification);
                }
            }

            if (best is { } chosen)
            {
                drops.Add(new NearDrop(members[s].Global, members[chosen.Keeper].Global, members[chosen.Keeper].Key, chosen.Distance, chosen.Verification));
                keepers.Add(chosen.Keeper);
            }
            else
            {
                (kept[c] ??= []).Add(s);
            }
        }

        return new NearResolution(drops, keepers.Count, verified, rejected);

        // A class's kept samples are in preference order; more than the comparison limit could never be reached.
        void AddCandidates(List<int>? keptInClass, int distance)
        {
            if (keptInClass is not null)
            {
                for (var i = 0; i < keptInClass.Count && i < maxComparisons; i++)
                {
                    candidates.Add((keptInClass[i], distance));
                }
            }
        }
    }

    /// <summary>The preference of deduplication: the most original pixels, then the smallest key, then the earlier position.</summary>
    public static int Compare(NearMember a, NearMember b)
    {
        var c = b.Pixels.CompareTo(a.Pixels);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Key, b.Key);
        }

        return c != 0 ? c : a.Global.CompareTo(b.Global);
    }
}
