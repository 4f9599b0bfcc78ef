namespace Pipeline.Crawler.Network;

/// <summary>Which non-public addresses the crawler may connect to (section <c>Crawler:Network</c>); by default none.</summary>
public sealed record NetworkSafetyOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Network";

    /// <summary>Allow 127.0.0.0/8 and ::1: for tests and benchmarks against servers on this machine.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow private networks (RFC 1918, CGNAT, IPv6 unique-local): for crawling an intranet on purpose.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long resolved addresses are reused.</summary>
    public TimeSpan DnsCacheTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether a connection to an address of <paramref name="category"/> is allowed.</summary>
    public bool Allows(AddressCategory category) => category switch
    {
        AddressCategory.Public => true,
        AddressCategory.Loopback => AllowLoopback,
        AddressCategory.Private => AllowPrivateNetworks,
        _ => false,
    };
}
