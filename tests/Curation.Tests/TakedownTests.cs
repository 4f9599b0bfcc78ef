using System.Text.Json;
using Pipeline.Curation.DataCards;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Takedown;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.TestServices;

namespace Pipeline.Curation.Tests;

/// <summary>A takedown removes exactly the selected samples from a multi-shard store, through the commit protocol, logged, once.</summary>
public sealed class TakedownTests
{
    [Fact]
    public async Task Removes_exactly_the_samples_selected_by_url_domain_key_and_phash_logs_them_and_a_rerun_removes_nothing()
    {
        using var folder = new TemporaryFolder("takedown");
        var (photos, _) = CurationInputs.WithDuplicates();
        // The first shard is wholly on a domain taken down, through subdomains: it becomes an empty shard.
        var gone = Enumerable.Range(1, 3).Select(i => CurationInputs.Sample($"https://img{i}.gone.example/{i}.jpg", $"gone {i}", SyntheticPhotos.Jpeg(100 + i))).ToList();
        var samples = gone.Concat(photos.Select(s => s with { Consent = "decision=allow;robots.txt=allow", UserAgent = "PipelineBot/1.0" })).ToList();
        var path = Path.Combine(folder.Path, "store");
        await CurationInputs.WriteAsync(path, samples, perShard: 3);
        var store = new LocalFolderStore(path);
        var shardsBefore = (await new ManifestStore(store).LoadAsync(CancellationToken.None)).Shards.Count;

        var keyed = photos[8];
        var hashed = PerceptualHash.Compute(photos[10].Image);
        var selectors = new[]
        {
            TakedownSelector.Parse(TakedownSelectorKind.Url, "https://PHOTOS.example.com:443/2.jpg?utm_source=x"),
            TakedownSelector.Parse(TakedownSelectorKind.Domain, "gone.example"),
            TakedownSelector.Parse(TakedownSelectorKind.Domain, "mirror.example.org"),
            TakedownSelector.Parse(TakedownSelectorKind.Key, keyed.Key),
            TakedownSelector.Parse(TakedownSelectorKind.Phash, hashed.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), 0),
        };
        var expected = samples.Where(s =>
            UrlCanonicalizer.Canonicalize(s.Url) == "https://photos.example.com/2.jpg"
            || new Uri(s.Url).Host.EndsWith(".gone.example", StringComparison.Ordinal)
            || new Uri(s.Url).Host == "mirror.example.org"
            || s.Key == keyed.Key
            || HashOrNull(s) == hashed).Select(s => s.Key).ToHashSet();
        Assert.True(expected.Count >= 7, $"the selectors pick {expected.Count} samples");

        var manifestBefore = await File.ReadAllBytesAsync(Path.Combine(path, ManifestStore.ManifestPath));
        var dry = await TakedownStage.RunAsync(store, new TakedownRequest(selectors, "request 42", DryRun: true), null, CancellationToken.None);
        Assert.True(dry.DryRun);
        Assert.Equal(expected.Order(), dry.Matches.Select(m => m.Key).Order());
        Assert.Equal(manifestBefore, await File.ReadAllBytesAsync(Path.Combine(path, ManifestStore.ManifestPath)));
        Assert.False(Directory.Exists(Path.Combine(path, TakedownStage.Folder)));

        var summary = await TakedownStage.RunAsync(store, new TakedownRequest(selectors, "request 42", DryRun: false), null, CancellationToken.None);

        Assert.Equal(1, summary.Run);
        Assert.Equal(expected.Count, summary.Removed);
        var left = await CurationInputs.ReadAllAsync(path);
        Assert.Equal(samples.Where(s => !expected.Contains(s.Key)).Select(s => s.Key).Order(), left.Select(s => s.Key).Order());
        Assert.All(left, s => Assert.Equal(s.Url.Contains(".gone.", StringComparison.Ordinal) ? null : "decision=allow;robots.txt=allow", s.Consent));
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        Assert.Equal(shardsBefore, manifest.Shards.Count);
        Assert.Equal(0, manifest.Shards[0].Samples);
        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.False(report.HasErrors, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.Empty(report.Problems);

        var log = (await File.ReadAllLinesAsync(Path.Combine(path, "takedown", "0001.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(expected.Order(), log.Select(l => l.GetProperty("key").GetString()!).Order());
        Assert.All(log, l => Assert.Equal("request 42", l.GetProperty("reason").GetString()));
        Assert.Contains(log, l => l.GetProperty("selector").GetString() == "domain gone.example" && l.GetProperty("url").GetString()!.StartsWith("https://img1.", StringComparison.Ordinal));
        var card = await StoreDataCard.ReadTakedownsAsync(store, CancellationToken.None);
        Assert.NotNull(card);
        Assert.Equal(expected.Count, card.SamplesRemoved);
        Assert.Equal("request 42", Assert.Single(card.Runs).Reason);

        var again = await TakedownStage.RunAsync(store, new TakedownRequest(selectors, "request 42", DryRun: false), null, CancellationToken.None);
        Assert.Equal(0, again.Removed);
        Assert.Null(again.Log);
        Assert.Equal(left.Count, (await CurationInputs.ReadAllAsync(path)).Count);
        Assert.Single((await StoreDataCard.ReadTakedownsAsync(store, CancellationToken.None))!.Runs);
    }

    [Fact]
    public void Selectors_are_checked_and_a_domain_matches_itself_and_subdomains_only()
    {
        Assert.Throws<ArgumentException>(() => TakedownSelector.Parse(TakedownSelectorKind.Url, "not a url"));
        Assert.Throws<ArgumentException>(() => TakedownSelector.Parse(TakedownSelectorKind.Phash, "xyz"));
        Assert.Throws<ArgumentException>(() => TakedownSelector.Parse(TakedownSelectorKind.Phash, "ff", 65));
        var domain = TakedownSelector.Parse(TakedownSelectorKind.Domain, "Example.COM");
        Sample At(string url, string? page = null) => CurationInputs.Sample(url, "c", SyntheticPhotos.Jpeg(1)) with { PageUrl = page };

        Assert.True(domain.Matches(At("https://example.com/a.jpg"), null));
        Assert.True(domain.Matches(At("https://cdn.img.example.com/a.jpg"), null));
        Assert.True(domain.Matches(At("https://cdn.other.org/a.jpg", "https://www.example.com/page"), null));
        Assert.False(domain.Matches(At("https://notexample.com/a.jpg"), null));
        Assert.False(domain.Matches(At("https://example.com.evil.org/a.jpg"), null));
        var near = TakedownSelector.Parse(TakedownSelectorKind.Phash, "0x00000000000000ff", 2);
        Assert.True(near.Matches(At("https://a.org/x.jpg"), 0xfcUL));
        Assert.False(near.Matches(At("https://a.org/x.jpg"), 0xf0UL));
        Assert.Equal("phash 00000000000000ff within 2", near.ToString());
    }

    private static ulong? HashOrNull(Sample sample)
    {
        try
        {
            return NetVips.Image.FindLoadBuffer(sample.Image) is null ? null : PerceptualHash.Compute(sample.Image);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
