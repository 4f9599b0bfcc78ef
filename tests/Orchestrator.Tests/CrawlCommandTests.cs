using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NetVips;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>`pipeline crawl extract|fetch` as separate processes against a real web server on 127.0.0.1.</summary>
public sealed class CrawlCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly TemporaryFolder _folder = new("crawl");

    public void Dispose() => _folder.Dispose();

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr.TakeLast(8))}");
        return result;
    }

    private static Task<LoopbackWebServer> StartSiteAsync()
    {
        var jpeg = Crawler.Images.TestPattern.GradientJpeg(400, 300);
        return LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /private/\n"));
            app.MapGet("/", () => Results.Content(
                string.Concat(Enumerable.Range(0, 7).Select(i => $"<img src='/img/{i}.jpg' alt='picture number {i}'>"))
                + "<img src='/missing.jpg' alt='missing'><img src='/page.jpg' alt='not an image'><img src='/private/p.jpg' alt='disallowed'><a href='/more'>more</a>",
                "text/html"));
            app.MapGet("/more", () => Results.Content("<figure><img src='/img/7.jpg'><figcaption>a figure caption</figcaption></figure>", "text/html"));
            app.MapGet("/img/{n:int}.jpg", (int n) => Results.Bytes(jpeg, "image/jpeg"));
            app.MapGet("/page.jpg", () => Results.Content("<html>oops</html>", "image/jpeg"));
            app.MapGet("/private/p.jpg", () => Results.Bytes(jpeg, "image/jpeg"));
        });
    }

    [Fact]
    public async Task Extracts_from_a_live_site_and_a_warc_then_fetches_into_shards_with_a_status_per_entry_and_resumes()
    {
        await using var site = await StartSiteAsync();
        var live = _folder.Combine("live.jsonl");
        var warcCandidates = _folder.Combine("warc.jsonl.gz");
        var warc = _folder.Combine("site.warc.gz");
        await WriteWarcAsync(warc, site.BaseUri);

        var refused = await RunAsync("crawl", "extract", "--seed", site.BaseUri.AbsoluteUri, "--out", live);
        var crawled = await RunAsync("crawl", "extract", "--seed", site.BaseUri.AbsoluteUri, "--out", live, "--allow-loopback", "--max-depth", "1");
        var fromWarc = await RunAsync("crawl", "extract", warc, "--out", warcCandidates);

        Assert.Equal(0, refused.ExitCode);
        Assert.Contains("0 candidates", refused.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(refused.Stdout, l => l.Contains("BlockedAddress", StringComparison.Ordinal));
        Assert.Equal(0, crawled.ExitCode);
        Assert.Contains("11 candidates from 2 pages", crawled.Stdout[0], StringComparison.Ordinal);
        Assert.Equal(0, fromWarc.ExitCode);
        Assert.Contains("10 candidates from 1 pages", fromWarc.Stdout[0], StringComparison.Ordinal);
        var lines = (await File.ReadAllLinesAsync(live)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("a figure caption", lines[^1].GetProperty("caption").GetString());
        Assert.Equal("figcaption", lines[^1].GetProperty("text_source").GetString());

        var output = _folder.Combine("fetched");
        var fetched = await RunAsync("crawl", "fetch", live, "--out", output, "--allow-loopback", "--chunk", "4", "--size", "128", "--resize-mode", "center_crop");
        var again = await RunAsync("crawl", "fetch", live, "--out", output, "--allow-loopback", "--chunk", "4", "--size", "128", "--resize-mode", "center_crop");

        Assert.Equal(0, fetched.ExitCode);
        Assert.Contains("fetch: 8 of 11 images", fetched.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(fetched.Stdout, l => l.Contains("HttpStatus 1", StringComparison.Ordinal) && l.Contains("NotAnImage 1", StringComparison.Ordinal) && l.Contains("Robots 1", StringComparison.Ordinal));
        Assert.Contains("3 chunks (3 already done)", again.Stdout[0], StringComparison.Ordinal);
        var manifest = await new ManifestStore(new LocalFolderStore(output)).LoadAsync(CancellationToken.None);
        Assert.Equal(3, manifest.Shards.Count);
        var samples = new List<Sharding.Samples.Sample>();
        await foreach (var shard in ShardFileReaderSamples(output, manifest))
        {
            samples.Add(shard);
        }

        Assert.Equal(8, samples.Select(s => s.Key).Distinct().Count());
        Assert.All(samples, s =>
        {
            using var image = Image.NewFromBuffer(s.Image);
            Assert.Equal((128, 128, 400, 300), (image.Width, image.Height, s.OriginalWidth, s.OriginalHeight));
        });
        var statuses = Directory.GetFiles(Path.Combine(output, "fetch"), "*.jsonl.gz").SelectMany(ReadGzipLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(11, statuses.Count);
        Assert.Contains(statuses, s => s.TryGetProperty("error", out var e) && e.GetString() == "Robots" && s.GetProperty("reason").GetString()!.Contains("/private/p.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_failed_fetches_only_the_retryable_failures_keeps_every_success_and_merges_the_summary()
    {
        var jpeg = Crawler.Images.TestPattern.GradientJpeg(400, 300);
        var down = true;
        await using var site = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/ok/{name}", (string name) => Results.Bytes(jpeg, "image/jpeg"));
            app.MapGet("/flaky/{name}", (string name) => Volatile.Read(ref down) ? Results.StatusCode(503) : Results.Bytes(jpeg, "image/jpeg"));
            app.MapGet("/gone.jpg", () => Results.NotFound());
            app.MapGet("/page.jpg", () => Results.Content("<html>oops</html>", "image/jpeg"));
        });
        string[] paths = ["/ok/0.jpg", "/ok/1.jpg", "/flaky/0.jpg", "/gone.jpg", "/ok/2.jpg", "/ok/3.jpg", "/flaky/1.jpg", "/page.jpg", "/ok/4.jpg", "/ok/5.jpg", "/flaky/2.jpg"];
        var list = _folder.Combine("list.jsonl");
        await File.WriteAllLinesAsync(list, paths.Select((p, i) => JsonSerializer.Serialize(new { url = site.Url(p).AbsoluteUri, caption = $"picture {i}" })));
        var config = _folder.Combine("no-retries.json");
        await File.WriteAllTextAsync(config, """{"Crawler": {"Fetching": {"Retries": 0}}}""");
        var output = _folder.Combine("fetched");
        string[] fetch = ["crawl", "fetch", list, "--out", output, "--allow-loopback", "--chunk", "4", "--size", "64", "--config", config];

        var first = await RunAsync(fetch);
        Volatile.Write(ref down, false);
        var retry = await RunAsync([.. fetch, "--retry-failed"]);
        var nothingLeft = await RunAsync([.. fetch, "--retry-failed"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("fetch: 6 of 11 images", first.Stdout[0], StringComparison.Ordinal);
        Assert.Equal(0, retry.ExitCode);
        Assert.Contains("fetch: 3 of 3 images", retry.Stdout[0], StringComparison.Ordinal);
        Assert.Contains("3 failed entries retried", retry.Stdout[0], StringComparison.Ordinal);
        Assert.Contains("in all 9 of 11 entries fetched", retry.Stdout[0], StringComparison.Ordinal);
        Assert.Contains("fetch: 0 of 0 images", nothingLeft.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(nothingLeft.Stderr, l => l.Contains("has no retryable failures", StringComparison.Ordinal));

        // Only the retryable failures were asked for again; successes, a 404 and a page that is not an image were not.
        foreach (var path in paths)
        {
            Assert.Equal(path.StartsWith("/flaky/", StringComparison.Ordinal) ? 2 : 1, site.TimesOf(path).Count);
        }

        var manifest = await new ManifestStore(new LocalFolderStore(output)).LoadAsync(CancellationToken.None);
        Assert.Equal(["list-00000-00000", "list-00000-r1-00000", "list-00001-00000", "list-00001-r1-00000", "list-00002-00000", "list-00002-r1-00000"], manifest.Shards.Select(e => e.Name).Order(StringComparer.Ordinal));
        var samples = new List<Sharding.Samples.Sample>();
        await foreach (var sample in ShardFileReaderSamples(output, manifest))
        {
            samples.Add(sample);
        }

        Assert.Equal(9, samples.Count);
        Assert.Equal(9, samples.Select(s => s.Key).Distinct().Count());
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "fetch-summary.json")));
        var root = summary.RootElement;
        Assert.Equal((11, 9, 0), (root.GetProperty("attempted").GetInt64(), root.GetProperty("succeeded").GetInt64(), root.GetProperty("retriedEntries").GetInt64()));
        Assert.Equal(["HttpStatus", "NotAnImage"], root.GetProperty("errorsByClass").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Webdataset_fetch_writes_tar_shards_that_verify_and_convert_to_parquet_and_back()
    {
        var jpeg = Crawler.Images.TestPattern.GradientJpeg(400, 300);
        await using var site = await LoopbackWebServer.StartAsync(app => app.MapGet("/img/{name}", (string name) => Results.Bytes(jpeg, "image/jpeg")));
        var list = _folder.Combine("list.jsonl");
        await File.WriteAllLinesAsync(list, Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { url = site.Url($"/img/{i}.jpg").AbsoluteUri, caption = $"picture {i} – ü" })));
        var output = _folder.Combine("fetched");

        var badFormat = await RunAsync("crawl", "fetch", list, "--out", output, "--allow-loopback", "--format", "zip");
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains(badFormat.Stderr, l => l.StartsWith("pipeline: error: Sharding:Writer:Format (--format): unknown shard format 'zip'", StringComparison.Ordinal));

        var fetched = await RunAsync("crawl", "fetch", list, "--out", output, "--allow-loopback", "--chunk", "4", "--size", "64", "--format", "webdataset");
        Assert.Equal(0, fetched.ExitCode);
        var manifest = await new ManifestStore(new LocalFolderStore(output)).LoadAsync(CancellationToken.None);
        Assert.Equal(["list-00000-00000", "list-00001-00000"], manifest.Shards.Select(e => e.Name));
        Assert.All(manifest.Shards, e => Assert.Equal(Sharding.Samples.ShardFormat.Webdataset, e.Format));
        Assert.All(manifest.Shards, e => Assert.EndsWith(".tar", e.Path, StringComparison.Ordinal));
        var samples = new List<Sharding.Samples.Sample>();
        await foreach (var sample in ShardFileReaderSamples(output, manifest))
        {
            samples.Add(sample);
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"picture {i} – ü"), samples.Select(s => s.Caption).Order(StringComparer.Ordinal));
        Assert.All(samples, s => Assert.Equal((byte)0xFF, s.Image[0]));
        Assert.All(samples, s => Assert.NotNull(s.FetchTime));

        var verify = await RunAsync("shard", "verify", output);
        Assert.Equal(0, verify.ExitCode);
        var inspect = await RunAsync("shard", "inspect", output, "--rows", "1");
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains(inspect.Stdout, l => l.StartsWith("webdataset members: KEY.jpg, KEY.txt (caption), KEY.json (url, width, height", StringComparison.Ordinal));

        var parquet = _folder.Combine("parquet");
        var converted = await RunAsync("shard", "convert", output, "--to", "parquet", "--out", parquet);
        Assert.Equal(0, converted.ExitCode);
        Assert.Contains("convert: 2 shards (2 converted, 0 already done), 6 samples as parquet", converted.Stdout[^1], StringComparison.Ordinal);
        Assert.Contains(converted.Stderr, l => l.StartsWith("convert: shard list-00001-00000 (2/2) committed", StringComparison.Ordinal));
        var again = await RunAsync("shard", "convert", output, "--to", "parquet", "--out", parquet);
        Assert.Contains("(0 converted, 2 already done)", again.Stdout[^1], StringComparison.Ordinal);
        var back = await new ManifestStore(new LocalFolderStore(parquet)).LoadAsync(CancellationToken.None);
        var roundTrip = new List<Sharding.Samples.Sample>();
        await foreach (var sample in ShardFileReaderSamples(parquet, back))
        {
            roundTrip.Add(sample);
        }

        Assert.Equal(samples, roundTrip, (a, b) => a.Key == b.Key && a.Caption == b.Caption && a.Image.AsSpan().SequenceEqual(b.Image) && a.FetchTime == b.FetchTime && a.Url == b.Url);

        var badTarget = await RunAsync("shard", "convert", output, "--to", "zip", "--out", parquet);
        Assert.Equal(2, badTarget.ExitCode);
        Assert.Contains(badTarget.Stderr, l => l.StartsWith("pipeline: error: --to: unknown shard format 'zip'", StringComparison.Ordinal));
        var noStore = await RunAsync("shard", "convert", _folder.Combine("nowhere"), "--to", "webdataset", "--out", _folder.Combine("x"));
        Assert.Equal(2, noStore.ExitCode);
        Assert.Contains(noStore.Stderr, l => l.StartsWith("pipeline: error: ", StringComparison.Ordinal) && l.Contains("manifest.json does not exist", StringComparison.Ordinal));
        var query = await RunAsync("shard", "query", output, "SELECT count(*) FROM samples");
        Assert.Equal(2, query.ExitCode);
        Assert.Contains(query.Stderr, l => l.Contains("holds webdataset shards", StringComparison.Ordinal));
    }

    private static async IAsyncEnumerable<Sharding.Samples.Sample> ShardFileReaderSamples(string folder, ShardManifest manifest)
    {
        var store = new LocalFolderStore(folder);
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, CancellationToken.None))
                {
                    yield return sample;
                }
            }
        }
    }

    private static IEnumerable<string> ReadGzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    /// <summary>A one-page WARC in Common Crawl's layout (a gzip member per record) whose page links the site's images.</summary>
    private static async Task WriteWarcAsync(string path, Uri site)
    {
        using var client = new HttpClient();
        var html = await client.GetStringAsync(site);
        var body = Encoding.UTF8.GetBytes(html);
        var http = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\n\r\n").Concat(body).ToArray();
        var record = Encoding.ASCII.GetBytes($"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {site.AbsoluteUri}\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {http.Length}\r\n\r\n").Concat(http).Concat("\r\n\r\n"u8.ToArray()).ToArray();
        await using var file = File.Create(path);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await gzip.WriteAsync(record);
    }
}
