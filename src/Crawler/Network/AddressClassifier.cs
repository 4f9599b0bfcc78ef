using System.Net;
using System.Net.Sockets;

namespace Pipeline.Crawler.Network;

/// <summary>Sorts IP addresses into <see cref="AddressCategory"/>; IPv4 embedded in IPv6 (mapped, NAT64, 6to4) is judged as IPv4.</summary>
public static class AddressClassifier
{
    /// <summary>The category of <paramref name="address"/>.</summary>
    public static AddressCategory Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => AddressCategory.Reserved,
        };
    }

    private static AddressCategory ClassifyV4(ReadOnlySpan<byte> b)
    {
        return (b[0], b[1], b[2], b[3]) switch
        {
            (169, 254, 169, 254) or (169, 254, 170, 2) or (100, 100, 100, 200) => AddressCategory.CloudMetadata,
            (127, _, _, _) => AddressCategory.Loopback,
            (10, _, _, _) => AddressCategory.Private,
            (172, >= 16 and <= 31, _, _) => AddressCategory.Private,
            (192, 168, _, _) => AddressCategory.Private,
            (100, >= 64 and <= 127, _, _) => AddressCategory.Private,
            (169, 254, _, _) => AddressCategory.LinkLocal,
            (>= 224 and <= 239, _, _, _) => AddressCategory.Multicast,
            (0, _, _, _) or (>= 240, _, _, _) => AddressCategory.Reserved,
            (192, 0, 0, _) or (192, 0, 2, _) or (198, 51, 100, _) or (203, 0, 113, _) or (198, 18 or 19, _, _) => AddressCategory.Reserved,
            _ => AddressCategory.Public,
        };
    }

    private static AddressCategory ClassifyV6(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(address.MapToIPv4().GetAddressBytes());
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (IPAddress.IPv6Loopback.Equals(address))
        {
            return AddressCategory.Loopback;
        }

        if (IPAddress.IPv6None.Equals(address) || b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            // :: and the deprecated IPv4-compatible ::a.b.c.d.
            return AddressCategory.Reserved;
        }

        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that the packets really reach.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]);
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b[2..6]);
        }

        if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 && b[4..14].IndexOfAnyExcept((byte)0) < 0 && b[14] == 0x02 && b[15] == 0x54)
        {
            return AddressCategory.CloudMetadata;
        }

        return b[0] switch
        {
            0xff => AddressCategory.Multicast,
            0xfe when (b[1] & 0xc0) == 0x80 => AddressCategory.LinkLocal,
            0xfe when (b[1] & 0xc0) == 0xc0 => AddressCategory.Private,
            0xfc or 0xfd => AddressCategory.Private,
            0x20 when b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => AddressCategory.Reserved,
            _ => AddressCategory.Public,
        };
    }
}
