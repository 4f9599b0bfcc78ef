using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Settings;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A bad value in a campaign spec is named by the spec key the user wrote, not by the configuration key it binds to.</summary>
public sealed class CampaignSpecErrorTests
{
    [Theory]
    [InlineData("\"balancing\": { \"threshold\": 0 }", "balancing.threshold must be at least 1, got 0")]
    [InlineData("\"training\": { \"trainer\": { \"steps\": 0 } }", "training.trainer.steps must be at least 1, got 0")]
    [InlineData("\"training\": { \"trainer\": { \"model\": \"huge\" } }", "training.trainer.model must be one of tiny, small, ViT-B/32, ViT-B/16, ViT-L/14 or open_clip model-config JSON, got 'huge'")]
    [InlineData("\"images\": { \"quality\": 101 }", "images.quality must be between 1 and 100, got 101")]
    [InlineData("\"filters\": { \"minSide\": -1 }", "filters.minSide must be at least 0, got -1")]
    [InlineData("\"balancing\": { \"seed\": 7 }", "balancing.seed 7 is not used: the campaign's 'seed' (0) seeds balancing; set 'seed' instead")]
    [InlineData("\"dedup\": { \"maxDistance\": 40 }", "dedup.maxDistance must be between 0 and 32, got 40")]
    [InlineData("\"crawl\": { \"maxPages\": 0 }", "crawl.maxPages must be at least 1, got 0")]
    [InlineData("\"queries\": { \"build\": { \"buckets\": 0 } }", "queries.build.buckets must be between 1 and 4096, got 0")]
    [InlineData("\"queries\": { \"wikipedia\": \"/nonexistent/enwiki.xml.bz2\" }", "queries.wikipedia /nonexistent/enwiki.xml.bz2 does not exist")]
    [InlineData("\"queries\": { \"wordNet\": false, \"pageviews\": [\"/nonexistent/views\"] }", "queries.pageviews /nonexistent/views is neither a file nor a folder")]
    public async Task A_bad_value_names_its_spec_key(string section, string expected)
    {
        using var folder = new TemporaryFolder();
        var spec = folder.Combine("spec.json");
        await File.WriteAllTextAsync(spec, $$"""{ "name": "x", "output": "out", "sources": { "seeds": ["http://example.org/"] }, {{section}} }""");

        var error = await Assert.ThrowsAsync<PipelineConfigurationException>(() => CampaignSpecFile.LoadAsync(spec, CancellationToken.None));

        Assert.Equal($"campaign spec {spec}: {expected}", error.Message);
    }

    [Fact]
    public async Task Webdataset_format_key_is_read_and_an_unknown_format_is_named()
    {
        using var folder = new TemporaryFolder();
        var spec = folder.Combine("spec.json");
        const string Head = """{ "name": "x", "output": "out", "sources": { "seeds": ["http://example.org/"] }, """;
        await File.WriteAllTextAsync(spec, Head + "\"format\": \"webdataset\" }");
        var loaded = await CampaignSpecFile.LoadAsync(spec, CancellationToken.None);
        Assert.Equal(Sharding.Samples.ShardFormat.Webdataset, loaded.Format);
        Assert.Contains("\"format\": \"webdataset\"", CampaignSpecFile.ToJson(loaded), StringComparison.Ordinal);

        await File.WriteAllTextAsync(spec, Head + "\"format\": \"zip\" }");
        var error = await Assert.ThrowsAsync<PipelineConfigurationException>(() => CampaignSpecFile.LoadAsync(spec, CancellationToken.None));
        Assert.Contains("$.format", error.Message, StringComparison.Ordinal);
    }
}
