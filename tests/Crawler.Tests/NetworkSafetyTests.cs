using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Network;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

public class NetworkSafetyTests
{
    [Theory]
    [InlineData("10.1.2.3", AddressCategory.Private)]
    [InlineData("172.20.0.1", AddressCategory.Private)]
    [InlineData("192.168.1.1", AddressCategory.Private)]
    [InlineData("100.64.0.1", AddressCategory.Private)]
    [InlineData("127.0.0.1", AddressCategory.Loopback)]
    [InlineData("169.254.169.254", AddressCategory.CloudMetadata)]
    [InlineData("169.254.1.1", AddressCategory.LinkLocal)]
    [InlineData("224.0.0.1", AddressCategory.Multicast)]
    [InlineData("0.0.0.0", AddressCategory.Reserved)]
    [InlineData("255.255.255.255", AddressCategory.Reserved)]
    [InlineData("93.184.216.34", AddressCategory.Public)]
    [InlineData("::1", AddressCategory.Loopback)]
    [InlineData("::", AddressCategory.Reserved)]
    [InlineData("::ffff:10.0.0.1", AddressCategory.Private)]
    [InlineData("::ffff:169.254.169.254", AddressCategory.CloudMetadata)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressCategory.CloudMetadata)]
    [InlineData("2002:0a00:0001::1", AddressCategory.Private)]
    [InlineData("fd00:ec2::254", AddressCategory.CloudMetadata)]
    [InlineData("fd12:3456::1", AddressCategory.Private)]
    [InlineData("fe80::1", AddressCategory.LinkLocal)]
    [InlineData("ff02::1", AddressCategory.Multicast)]
    [InlineData("2606:4700::1111", AddressCategory.Public)]
    public void Classifies_addresses(string address, AddressCategory expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://10.0.0.1/image.jpg")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/image.jpg")]
    [InlineData("http://127.0.0.1/image.jpg")]
    [InlineData("http://localhost/image.jpg")]
    [InlineData("http://[::ffff:10.0.0.1]/image.jpg")]
    public async Task Refuses_private_loopback_and_metadata_addresses_by_default(string url)
    {
        using var fetcher = FetcherFixture.Create(allowLoopback: false);

        var result = await fetcher.FetchAsync(url, CancellationToken.None);

        Assert.Equal(FetchErrorClass.BlockedAddress, result.Error);
        Assert.Contains("does not connect there", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_name_that_resolves_to_a_private_address()
    {
        var dns = new DnsCache(TimeSpan.FromMinutes(1), (host, _) => Task.FromResult(host == "intranet.example" ? new[] { IPAddress.Parse("10.9.8.7") } : []));
        using var fetcher = FetcherFixture.Create(allowLoopback: false, dns: dns);

        var result = await fetcher.FetchAsync("http://intranet.example/cat.jpg", CancellationToken.None);

        Assert.Equal(FetchErrorClass.BlockedAddress, result.Error);
        Assert.Contains("10.9.8.7", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.0.0.5/cat.jpg")]
    [InlineData("http://169.254.169.254/latest/meta-data/iam")]
    [InlineData("http://metadata.example/computeMetadata")]
    public async Task Refuses_a_redirect_to_a_forbidden_address(string target)
    {
        await using var server = await LoopbackWebServer.StartAsync(app => app.MapGet("/go", () => Results.Redirect(target)));
        var dns = new DnsCache(TimeSpan.FromMinutes(1), (host, ct) => host == "metadata.example" ? Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") }) : Dns.GetHostAddressesAsync(host, ct));
        using var fetcher = FetcherFixture.Create(o => o.ObeyRobots = false, dns: dns);

        var result = await fetcher.FetchAsync(server.Url("/go"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.BlockedAddress, result.Error);
        Assert.Equal(1, result.Redirects);
    }
}
