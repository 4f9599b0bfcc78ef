using System.Net;

namespace Pipeline.Crawler.Network;

/// <summary>Raised when a host resolves only to addresses the network safety rules forbid.</summary>
public sealed class BlockedAddressException : Exception
{
    public BlockedAddressException()
    {
    }

    public BlockedAddressException(string message)
        : base(message)
    {
    }

    public BlockedAddressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Refusal of <paramref name="host"/>, which resolved to <paramref name="address"/> of <paramref name="category"/>.</summary>
    public BlockedAddressException(string host, IPAddress address, AddressCategory category)
        : base($"{host} resolves to {address}, a {Describe(category)} address; the crawler does not connect there (see {NetworkSafetyOptions.Section})")
    {
        Host = host;
        Address = address;
        Category = category;
    }

    /// <summary>The host name or literal that was refused.</summary>
    public string? Host { get; }

    /// <summary>The first forbidden address it resolved to.</summary>
    public IPAddress? Address { get; }

    /// <summary>Why that address is forbidden.</summary>
    public AddressCategory Category { get; }

    private static string Describe(AddressCategory category) => category switch
    {
        AddressCategory.CloudMetadata => "cloud metadata",
        AddressCategory.LinkLocal => "link-local",
        _ => category.ToString().ToLowerInvariant(),
    };
}
