using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The dashboard's sample explorer over a real store and a real dedup run: the page in headless Chromium, and its API.</summary>
public sealed class SampleExplorerTests(SampleExplorerStores stores, ITestOutputHelper output) : IClassFixture<SampleExplorerStores>
{
    [Fact]
    public async Task Headless_chromium_shows_entries_thumbnails_captions_and_a_dedup_drop_beside_its_keeper()
    {
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var (page, outside, failed) = await OpenAsync(chromium);

        await SelectStoreAsync(page, "deduped");
        await page.ClickAsync("#entries button[data-entry='1']");
        await page.WaitForSelectorAsync("#grid[data-store=deduped][data-entry='1'] figure img");
        await WaitForImagesAsync(page, "#grid img");
        using var expected = await GetJsonAsync("api/explorer/stores/deduped/entries/1/samples?limit=24");
        var captions = expected.RootElement.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("caption").GetString()!).ToList();
        Assert.NotEmpty(captions);
        Assert.Equal(captions, await page.Locator("#grid figcaption .caption").AllInnerTextsAsync());
        Assert.Equal(captions.Count, await page.EvaluateAsync<int>("() => [...document.querySelectorAll('#grid img')].filter(i => i.complete && i.naturalWidth > 0).length"));

        // Photo one was dropped for its larger copy: both images load, side by side, with the hash distance and the verification figures.
        var (dropped, (reason, keeper)) = stores.Drops.First(d => d.Value.Reason == "near_duplicate" && stores.Fetched.Any(s => s.Key == d.Key && s.Url.EndsWith("/1.jpg", StringComparison.Ordinal)));
        var pair = $".reason[data-step=dedup][data-reason={reason}] .pair[data-key='{dropped}'][data-keeper='{keeper}']";
        await page.WaitForSelectorAsync(pair);
        await WaitForImagesAsync(page, $"{pair} img");
        Assert.Equal(2, await page.Locator($"{pair} img").CountAsync());
        Assert.Equal(stores.Fetched.Single(s => s.Key == dropped).Caption, await page.InnerTextAsync($"{pair} .dropped .caption"));
        Assert.Equal(stores.Fetched.Single(s => s.Key == keeper).Caption, await page.InnerTextAsync($"{pair} .keeper .caption"));
        var note = await page.InnerTextAsync($"{pair} .dropped .note");
        Assert.Matches(@"hash distance \d+; colour [\d.]+, detail [\d.]+, aspect [\d.]+", note);
        // Every dedup reason that dropped something is listed with its count.
        foreach (var group in stores.Drops.GroupBy(d => d.Value.Reason))
        {
            Assert.Contains($"{group.Count()} dropped", await page.InnerTextAsync($".reason[data-step=dedup][data-reason={group.Key}] h3"), StringComparison.Ordinal);
        }

        var shot = await HeadlessChromium.ScreenshotAsync(page, "explorer");
        output.WriteLine($"screenshot: {shot}");
        Assert.Empty(outside);
        Assert.Empty(failed);
    }

    [Fact]
    public async Task A_caption_with_script_is_shown_as_text_and_never_runs()
    {
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var (page, outside, _) = await OpenAsync(chromium);
        await SelectStoreAsync(page, "fetched");
        await page.ClickAsync($"#entries button[data-entry='{SampleExplorerStores.ScriptEntry}']");
        await page.WaitForSelectorAsync($"#grid[data-store=fetched][data-entry='{SampleExplorerStores.ScriptEntry}'] figure img");
        await WaitForImagesAsync(page, "#grid img");

        Assert.Equal([SampleExplorerStores.ScriptCaption], await page.Locator("#grid figcaption .caption").AllInnerTextsAsync());
        Assert.Equal(0, await page.Locator("#grid script, #grid figcaption img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__explorerXss === undefined"), "the caption's markup ran");
        Assert.Empty(outside);

        // The API hands the caption back as it is stored: JSON text, not HTML.
        using var samples = await GetJsonAsync($"api/explorer/stores/fetched/entries/{SampleExplorerStores.ScriptEntry}/samples");
        Assert.Equal(SampleExplorerStores.ScriptCaption, samples.RootElement.GetProperty("samples")[0].GetProperty("caption").GetString());
    }

    [Fact]
    public async Task Stores_and_entries_list_the_committed_samples_and_pages_cover_an_entry_once_in_key_order()
    {
        using var list = await GetJsonAsync("api/explorer/stores");
        var counts = list.RootElement.EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("samples").GetInt64());
        Assert.Equal(stores.Fetched.Count, counts["fetched"]);
        Assert.Equal(stores.Fetched.Count - stores.Drops.Count, counts["deduped"]);

        using var entries = await GetJsonAsync("api/explorer/stores/fetched/entries");
        var byEntry = entries.RootElement.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("entry").GetInt32(), e => e.GetProperty("samples").GetInt64());
        Assert.Equal(stores.Fetched.GroupBy(s => s.KeptForEntry!.Value).ToDictionary(g => g.Key, g => (long)g.Count()), byEntry);

        var expected = stores.Fetched.Where(s => s.KeptForEntry == 1).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        var seen = new List<string>();
        for (var offset = 0; offset < expected.Count + 3; offset += 3)
        {
            using var page = await GetJsonAsync($"api/explorer/stores/fetched/entries/1/samples?offset={offset}&limit=3");
            Assert.Equal(expected.Count, page.RootElement.GetProperty("total").GetInt64());
            var samples = page.RootElement.GetProperty("samples").EnumerateArray().ToList();
            Assert.True(samples.Count <= 3);
            Assert.All(samples, s => Assert.Equal($"api/explorer/stores/fetched/images/{s.GetProperty("key").GetString()}", s.GetProperty("thumbnailUrl").GetString()));
            seen.AddRange(samples.Select(s => s.GetProperty("key").GetString()!));
        }

        Assert.Equal(expected, seen);
        using var http = Client();
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("api/explorer/stores/fetched/entries/1/samples?offset=-1", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("api/explorer/stores/fetched/entries/one/samples", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task An_image_is_served_by_key_with_its_type_and_cache_headers()
    {
        var sample = stores.Fetched[2];
        using var http = Client();
        using var image = await http.GetAsync(new Uri($"api/explorer/stores/fetched/images/{sample.Key}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal(sample.Image, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal(TimeSpan.FromDays(1), image.Headers.CacheControl!.MaxAge);
        Assert.Equal($"\"{sample.Sha256}\"", image.Headers.ETag!.Tag);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"api/explorer/stores/fetched/images/{sample.Key}") { Headers = { IfNoneMatch = { image.Headers.ETag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Unknown_stores_and_keys_and_samples_never_committed_are_not_found()
    {
        using var http = Client();
        var dropped = stores.Drops.Keys.First();
        foreach (var path in new[]
        {
            "api/explorer/stores/fetched/images/0000000000000000",
            $"api/explorer/stores/deduped/images/{dropped}",
            $"api/explorer/stores/deduped/images/{stores.UncommittedKey}",
            $"api/explorer/stores/elsewhere/images/{stores.Fetched[0].Key}",
            "api/explorer/stores/elsewhere/entries",
            "api/explorer/stores/elsewhere/drops",
        })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }

        // The uncommitted shard is on disk, and the committed reading does not see it.
        Assert.Single(Directory.GetFiles(stores.DedupedFolder, "uncommitted-*.parquet", SearchOption.AllDirectories));
        using var entries = await GetJsonAsync("api/explorer/stores/deduped/entries");
        Assert.Equal(stores.Fetched.Count - stores.Drops.Count, entries.RootElement.GetProperty("entries").EnumerateArray().Sum(e => e.GetProperty("samples").GetInt64()));
    }

    [Fact]
    public async Task Path_traversal_in_a_key_or_a_store_name_reads_no_file()
    {
        using var http = Client();
        var secret = Path.Combine(stores.DedupedFolder, "manifest.json");
        foreach (var path in new[]
        {
            "api/explorer/stores/fetched/images/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "api/explorer/stores/fetched/images/%2e%2e",
            "api/explorer/stores/fetched/images/..",
            $"api/explorer/stores/fetched/images/{Uri.EscapeDataString(secret)}",
            "api/explorer/stores/fetched/images/%2Fetc%2Fpasswd",
            "api/explorer/stores/fetched/images/manifest.json",
            "api/explorer/stores/..%2Fdeduped/images/manifest.json",
            $"api/explorer/stores/{Uri.EscapeDataString(stores.FetchedFolder)}/entries",
            "api/explorer/stores/fetched/images/x'%20OR%20'1'='1",
        })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {response.StatusCode} {body}");
            Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
            Assert.DoesNotContain("shards", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Off_loopback_the_explorer_and_its_images_need_the_token()
    {
        const string token = "explorer-token-for-this-test";
        using var folder = new TemporaryFolder("sample-explorer-token");
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>(stores.Environment) { ["PIPELINE_Dashboard__Token"] = token };
        using var served = PipelineExecutable.Start(
            ["dashboard", "--address", "0.0.0.0", "--port", $"{port}", "--run-dir", folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"],
            environment);
        await served.WaitForOutputAsync(l => l.StartsWith("dashboard: http://0.0.0.0:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var image = $"api/explorer/stores/fetched/images/{stores.Fetched[0].Key}";
        foreach (var path in new[] { "explorer", "explorer.js", "api/explorer/stores", "api/explorer/stores/fetched/entries", image })
        {
            using var anonymous = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {anonymous.StatusCode}");
        }

        using var bearer = new HttpRequestMessage(HttpMethod.Get, image) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var allowed = await http.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(stores.Fetched[0].Image, await allowed.Content.ReadAsByteArrayAsync());
        served.Terminate();
    }

    private HttpClient Client() => new() { BaseAddress = stores.Address };

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var http = Client();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>Opens the explorer page, refusing (and recording) any request that is not to 127.0.0.1, and recording failed requests.</summary>
    private async Task<(IPage Page, List<string> Outside, List<string> Failed)> OpenAsync(HeadlessChromium chromium)
    {
        var (page, outside, failed) = await chromium.NewLoopbackPageAsync(1300, 1000);
        page.Console += (_, message) => output.WriteLine($"console {message.Type}: {message.Text}");
        await page.GotoAsync(new Uri(stores.Address, "explorer").ToString());
        await page.WaitForSelectorAsync("[data-metric=explorer-status]:text('ready')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.False(await page.IsVisibleAsync("#problem"), await page.InnerTextAsync("#problem"));
        return (page, outside, failed);
    }

    /// <summary>Picks a store and waits until its entries and first page are shown.</summary>
    private static async Task SelectStoreAsync(IPage page, string store)
    {
        await page.ClickAsync($"#stores button[data-store={store}]");
        await page.WaitForSelectorAsync("[data-metric=explorer-status]:text('ready')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync($"#entries[data-store={store}] button");
    }

    private static async Task WaitForImagesAsync(IPage page, string selector)
    {
        var loaded = await page.WaitForFunctionAsync(
            "selector => { const images = [...document.querySelectorAll(selector)]; return images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0); }",
            selector,
            new PageWaitForFunctionOptions { Timeout = 30_000 });
        await loaded.DisposeAsync();
    }
}
