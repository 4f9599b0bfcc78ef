namespace Pipeline.Curation.Queries;

/// <summary>
/// Counts of bigram keys (first word id in the high half, second in the low half) in one open-addressing table
/// whose slots hold key and count side by side: a count costs one cache miss, where a
/// <see cref="Dictionary{TKey, TValue}"/> takes two or three. Not thread-safe.
/// </summary>
internal sealed class PairCountTable
{
    private Slot[] _slots;
    private int _mask;

    public PairCountTable(int capacity)
    {
        var size = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity) * 3 / 2));
        _slots = new Slot[size];
        _mask = size - 1;
    }

    /// <summary>Distinct keys held.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one occurrence of <paramref name="key"/>.</summary>
    public void Increment(long key)
    {
        var i = Hash(key) & _mask;
        while (true)
        {
            ref var slot = ref _slots[i];
            if (slot.Count == 0)
            {
                slot.Key = key;
                slot.Count = 1;
                if (++Count > _slots.Length / 10 * 7)
                {
                    Grow();
                }

                return;
            }

            if (slot.Key == key)
            {
                slot.Count++;
                return;
            }

            i = (i + 1) & _mask;
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every key held, in no particular order.</summary>
    public void ForEach(Action<long, long> visit)
    {
        foreach (var slot in _slots)
        {
            if (slot.Count != 0)
            {
                visit(slot.Key, slot.Count);
            }
        }
    }

    /// <summary>Forgets every key, keeping the table's size.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Count = 0;
    }

    // Fibonacci hashing: the ids are small and dense, so their bits need mixing.
    private static int Hash(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 33);

    private void Grow()
    {
        var old = _slots;
        _slots = new Slot[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (var slot in old)
        {
            if (slot.Count == 0)
            {
                continue;
            }

            var i = Hash(slot.Key) & _mask;
            while (_slots[i].Count != 0)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = slot;
        }
    }

    private struct Slot
    {
        public long Key;
        public long Count;
    }
}
