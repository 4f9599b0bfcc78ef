using Pipeline.Curation.Dedup;

namespace Pipeline.Curation.Tests;

public sealed class UrlCanonicalizerTests
{
    [Theory]
    [InlineData("HTTP://Example.COM/a.jpg", "http://example.com/a.jpg")]
    [InlineData("https://example.com:443/a.jpg", "https://example.com/a.jpg")]
    [InlineData("http://example.com:80/a.jpg", "http://example.com/a.jpg")]
    [InlineData("http://example.com:8080/a.jpg", "http://example.com:8080/a.jpg")]
    [InlineData("https://example.com/a.jpg#section", "https://example.com/a.jpg")]
    [InlineData("https://example.com", "https://example.com/")]
    [InlineData("https://example.com/x/../a/./b.jpg", "https://example.com/a/b.jpg")]
    [InlineData("https://example.com/a.jpg?utm_source=x&id=3&fbclid=abc&UTM_Medium=y", "https://example.com/a.jpg?id=3")]
    [InlineData("https://example.com/a.jpg?b=2&a=1&b=1", "https://example.com/a.jpg?a=1&b=2&b=1")]
    [InlineData("https://example.com/a.jpg?gclid=1", "https://example.com/a.jpg")]
    [InlineData("https://example.com/%7Euser/a%2fb%41.jpg", "https://example.com/~user/a%2FbA.jpg")]
    [InlineData("https://bücher.example/a.jpg", "https://xn--bcher-kva.example/a.jpg")]
    [InlineData("  https://example.com/a.jpg  ", "https://example.com/a.jpg")]
    [InlineData("not a url", "not a url")]
    [InlineData("ftp://Example.com/a.jpg", "ftp://Example.com/a.jpg")]
    public void Canonical_forms_follow_the_documented_rules(string url, string expected) =>
        Assert.Equal(expected, UrlCanonicalizer.Canonicalize(url));

    [Fact]
    public void Scheme_www_and_trailing_slashes_are_kept_apart()
    {
        Assert.NotEqual(UrlCanonicalizer.Canonicalize("http://example.com/a"), UrlCanonicalizer.Canonicalize("https://example.com/a"));
        Assert.NotEqual(UrlCanonicalizer.Canonicalize("https://www.example.com/a"), UrlCanonicalizer.Canonicalize("https://example.com/a"));
        Assert.NotEqual(UrlCanonicalizer.Canonicalize("https://example.com/a/"), UrlCanonicalizer.Canonicalize("https://example.com/a"));
    }
}
