using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Balancing;

/// <summary>Balancing settings (configuration section <c>Curation:Balancing</c>).</summary>
public sealed record BalancerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Curation:Balancing";

    /// <summary>The mode; <see cref="BalanceMode.Exact"/> by default.</summary>
    public BalanceMode Mode { get; init; } = BalanceMode.Exact;

    /// <summary>t, the most pairs kept per entry: 20,000 as in WIT and MetaCLIP.</summary>
    public int Threshold { get; init; } = 20_000;

    /// <summary>
    /// Headroom for losses in download and dedup: besides its t kept pairs, each entry holds up to
    /// t × (factor − 1) more in reserve. 1.5 by default; 1 keeps no reserve.
    /// </summary>
    public double ReserveFactor { get; init; } = 1.5;

    /// <summary>Seed of every random choice; the same seed and pool give the same result.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Exact mode's memory budget: the most ranked pairs (24 bytes each) ranking one band of entries holds. When the
    /// entries' windows (min(count, t × factor) each; a refill's are unbounded) add up to more, exact mode cuts them
    /// into bands, rarest first, ranks the bands in parallel (one per core) through files beside the output, sorting a
    /// band's matches in runs on disk past this many, and assigns them in turn: the same choice in bounded memory.
    /// 1,000,000 by default.
    /// </summary>
    public long BandRows { get; init; } = 1_000_000;

    /// <summary>Pairs per entry including reserve: ceil(t × factor).</summary>
    public int WithReserve => checked((int)Math.Ceiling(Threshold * Math.Max(1, ReserveFactor)));

    /// <summary>Throws when a setting is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Threshold below 1 or reserve factor below 1.</exception>
    public void Validate()
    {
        SettingRange.AtLeast(Key(nameof(Threshold)), Threshold, 1);
        SettingRange.AtLeast(Key(nameof(ReserveFactor)), ReserveFactor, 1);
        SettingRange.AtLeast(Key(nameof(BandRows)), BandRows, 1);
    }

    /// <summary>The configuration key of setting <paramref name="name"/>.</summary>
    public static string Key(string name) => $"{Section}:{name}";
}
