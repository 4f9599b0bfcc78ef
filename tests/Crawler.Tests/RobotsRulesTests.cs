using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Tests;

public class RobotsRulesTests
{
    private const string Robots = """
        # comment
        User-agent: *
        Disallow: /private/
        Allow: /private/public-*.jpg$
        Disallow: /*.gif$
        Crawl-delay: 2

        User-agent: otherbot
        Disallow: /

        User-agent: PipelineBot
        User-agent: anotherbot
        Disallow: /no-pipeline
        Allow: /no-pipeline/but-this
        """;

    [Theory]
    [InlineData("/", true)]
    [InlineData("/no-pipeline/x.jpg", false)]
    [InlineData("/no-pipeline/but-this/x.jpg", true)]
    [InlineData("/private/x.jpg", true)]
    public void Our_own_group_replaces_the_star_group(string path, bool allowed) =>
        Assert.Equal(allowed, RobotsRules.Parse(Robots, "pipelinebot").IsAllowed(path));

    [Theory]
    [InlineData("/private/x.jpg", false)]
    [InlineData("/private/public-1.jpg", true)]
    [InlineData("/private/public-1.jpg?size=2", false)]
    [InlineData("/a/b.gif", false)]
    [InlineData("/a/b.gif?x", true)]
    [InlineData("/robots.txt", true)]
    public void Star_group_longest_match_wildcards_and_end_anchor(string path, bool allowed)
    {
        var rules = RobotsRules.Parse(Robots, "SomeBot");

        Assert.Equal(allowed, rules.IsAllowed(path));
        Assert.Equal(TimeSpan.FromSeconds(2), rules.CrawlDelay);
    }

    [Fact]
    public void Allow_wins_a_tie_and_an_empty_disallow_allows_everything()
    {
        Assert.True(RobotsRules.Parse("User-agent: *\nDisallow: /page\nAllow: /page\n", "x").IsAllowed("/page"));
        Assert.True(RobotsRules.Parse("User-agent: *\nDisallow:\n", "x").IsAllowed("/anything"));
        Assert.False(RobotsRules.DisallowAll.IsAllowed("/x"));
    }

    [Fact]
    public void Compares_paths_percent_encoded()
    {
        var rules = RobotsRules.Parse("User-agent: *\nDisallow: /bücher\n", "x");

        Assert.False(rules.IsAllowed(new Uri("http://example.com/b%C3%BCcher/1")));
        Assert.False(rules.IsAllowed("/b%c3%bccher"));
        Assert.True(rules.IsAllowed("/buecher"));
    }

    [Theory]
    [InlineData("noai", true)]
    [InlineData("noindex, noimageai", true)]
    [InlineData("otherbot: noai", false)]
    [InlineData("PipelineBot: noimageai", true)]
    [InlineData("noindex", false)]
    [InlineData("unavailable_after: 25 Jun 2030 15:00:00 PST", false)]
    public void Reads_opt_outs_from_robots_tags(string value, bool optOut) =>
        Assert.Equal(optOut, RobotsTag.FindOptOut([value], "PipelineBot", new ConsentSignals()) is not null);

    [Fact]
    public void Noindex_opts_out_when_asked_and_a_signal_turned_off_does_not()
    {
        Assert.Equal("noindex", RobotsTag.FindOptOut(["noindex"], "PipelineBot", new ConsentSignals { NoIndex = true }));
        Assert.Equal("none", RobotsTag.FindOptOut(["none"], "PipelineBot", new ConsentSignals { NoIndex = true }));
        Assert.Null(RobotsTag.FindOptOut(["noai, noimageai"], "PipelineBot", new ConsentSignals { NoAi = false, NoImageAi = false }));
        Assert.Equal("noimageai", RobotsTag.FindOptOut(["noai, noimageai"], "PipelineBot", new ConsentSignals { NoAi = false }));
    }

    [Theory]
    [InlineData("[{\"location\": \"/\", \"tdm-reservation\": 1}]", "/a.jpg", true)]
    [InlineData("[{\"location\": \"/img/\", \"tdm-reservation\": 0}, {\"location\": \"/\", \"tdm-reservation\": 1}]", "/img/a.jpg", false)]
    [InlineData("[{\"location\": \"/img/\", \"tdm-reservation\": 0}, {\"location\": \"/\", \"tdm-reservation\": 1}]", "/other/a.jpg", true)]
    [InlineData("[{\"location\": \"/b\u00fccher/*\", \"tdm-reservation\": \"1\"}]", "/b%C3%BCcher/a.jpg", true)]
    [InlineData("[{\"location\": \"/\", \"tdm-reservation\": 1},]", "/a.jpg", true)]
    [InlineData("{\"location\": \"/\", \"tdm-reservation\": 1}", "/a.jpg", false)]
    [InlineData("not json", "/a.jpg", false)]
    [InlineData("[{\"tdm-reservation\": 1}]", "/a.jpg", false)]
    public void Reads_tdmrep_declarations_first_match_deciding(string json, string path, bool reserved) =>
        Assert.Equal(reserved, TdmRepRules.Parse(json).ReservationFor(new Uri("https://example.com" + path)) is not null);
}
