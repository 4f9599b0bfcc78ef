namespace Pipeline.Crawler.Network;

/// <summary>What kind of address an IP is, as far as the crawler's network safety is concerned.</summary>
public enum AddressCategory
{
    /// <summary>A routable public address: always allowed.</summary>
    Public,

    /// <summary>127.0.0.0/8 and ::1.</summary>
    Loopback,

    /// <summary>RFC 1918, carrier-grade NAT (100.64.0.0/10) and IPv6 unique-local (fc00::/7) networks.</summary>
    Private,

    /// <summary>169.254.0.0/16 and fe80::/10.</summary>
    LinkLocal,

    /// <summary>224.0.0.0/4 and ff00::/8.</summary>
    Multicast,

    /// <summary>Cloud instance-metadata endpoints (169.254.169.254, 169.254.170.2, 100.100.100.200, fd00:ec2::254).</summary>
    CloudMetadata,

    /// <summary>Unspecified, broadcast, documentation, benchmarking and reserved ranges.</summary>
    Reserved,
}
