namespace Pipeline.Curation.Queries;

/// <summary>
/// Sorts non-negative 64-bit keys with a value each, least significant byte first, skipping the bytes that every
/// key shares: counting millions of pair keys this way streams through memory, where hashing misses the cache on
/// every pair.
/// </summary>
internal static class RadixSorter
{
    /// <summary>Sorts <paramref name="keys"/> and their <paramref name="values"/>; the scratch spans must be at least as long.</summary>
    public static void Sort(Span<long> keys, Span<long> values, Span<long> scratchKeys, Span<long> scratchValues)
    {
        var count = keys.Length;
        Span<int> histogram = stackalloc int[256];
        var fromKeys = keys;
        var fromValues = values;
        var toKeys = scratchKeys[..count];
        var toValues = scratchValues[..count];
        var swapped = false;
        for (var shift = 0; shift < 64; shift += 8)
        {
            histogram.Clear();
            foreach (var key in fromKeys)
            {
                histogram[(int)((ulong)key >> shift) & 0xFF]++;
            }

            if (histogram.IndexOf(count) >= 0)
            {
                continue;
            }

            var offset = 0;
            for (var b = 0; b < 256; b++)
            {
                (histogram[b], offset) = (offset, offset + histogram[b]);
            }

            for (var i = 0; i < count; i++)
            {
                var at = histogram[(int)((ulong)fromKeys[i] >> shift) & 0xFF]++;
                toKeys[at] = fromKeys[i];
                toValues[at] = fromValues[i];
            }

            var keysWere = fromKeys;
            var valuesWere = fromValues;
            fromKeys = toKeys;
            fromValues = toValues;
            toKeys = keysWere;
            toValues = valuesWere;
            swapped = !swapped;
        }

        if (swapped)
        {
            fromKeys.CopyTo(keys);
            fromValues.CopyTo(values);
        }
    }

    /// <summary>Sorts the first <paramref name="count"/> keys, then sums the values of equal keys; returns how many distinct keys remain at the front.</summary>
    public static int SortAndCombine(long[] keys, long[] values, int count, long[] scratchKeys, long[] scratchValues)
    {
        Sort(keys.AsSpan(0, count), values.AsSpan(0, count), scratchKeys, scratchValues);
        var distinct = 0;
        for (var i = 0; i < count; i++)
        {
            if (distinct > 0 && keys[distinct - 1] == keys[i])
            {
                values[distinct - 1] += values[i];
            }
            else
            {
                keys[distinct] = keys[i];
                values[distinct] = values[i];
                distinct++;
            }
        }

        return distinct;
    }
}
