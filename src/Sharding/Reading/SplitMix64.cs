namespace Pipeline.Sharding.Reading;

/// <summary>
/// SplitMix64, a tiny seeded generator whose whole state is one ulong, so a reader's position can save and
/// restore it exactly (System.Random's state cannot be saved).
/// </summary>
public sealed class SplitMix64(ulong state)
{
    /// <summary>The whole generator state.</summary>
    public ulong State { get; private set; } = state;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), by Lemire's multiply-shift (bias below 2^-32 for our sizes).</summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
    }

    /// <summary>A seed derived from several values, so (seed, epoch, rank) streams do not overlap.</summary>
    public static ulong Mix(params ReadOnlySpan<ulong> values)
    {
        var mixer = new SplitMix64(0x5DEECE66DUL);
        foreach (var value in values)
        {
            mixer.State ^= value;
            mixer.NextUInt64();
        }

        return mixer.NextUInt64();
    }
}
