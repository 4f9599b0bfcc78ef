using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Curation.Queries;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// `pipeline crawl fetch` and `curate match` as processes: empty input is refused (exit 2, naming the file), and a
/// run over non-empty input that produced nothing fails (exit 1, one line saying where to look), unlike a rerun
/// that only finds committed work.
/// </summary>
public sealed class EmptyRunTests(ITestOutputHelper log) : IDisposable
{
    private readonly TemporaryFolder _folder = new("empty-run");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_fetch_where_no_url_gives_an_image_fails_and_its_rerun_over_committed_chunks_does_not()
    {
        await using var site = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/img/{n:int}.jpg", () => Results.NotFound());
        });
        var list = _folder.Combine("urls.txt");
        await File.WriteAllLinesAsync(list, Enumerable.Range(0, 3).Select(i => site.Url($"/img/{i}.jpg").AbsoluteUri));
        var output = _folder.Combine("fetched");

        var failed = await RunAsync("crawl", "fetch", list, "--out", output, "--allow-loopback", "--chunk", "2");
        var rerun = await RunAsync("crawl", "fetch", list, "--out", output, "--allow-loopback", "--chunk", "2");

        Assert.Equal(1, failed.ExitCode);
        Assert.Equal(
            $"pipeline: error: none of 3 URLs was fetched (see {Path.Combine(output, "fetch-summary.json")}: HttpStatus 3; each URL's reason in {Path.Combine(output, "fetch")})",
            Assert.Single(failed.Stderr, l => l.StartsWith("pipeline: error:", StringComparison.Ordinal)));
        Assert.Contains("fetch: 0 of 3 images", failed.Stdout[0], StringComparison.Ordinal);
        Assert.Equal(0, rerun.ExitCode);
        Assert.Contains("2 chunks (2 already done)", rerun.Stdout[0], StringComparison.Ordinal);
        Assert.DoesNotContain(rerun.Stderr, l => l.StartsWith("pipeline: error:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("empty.txt", "", "")]
    [InlineData("blank.jsonl", "\n\n", "")]
    [InlineData("broken.jsonl", "{not json\n{\"caption\": \"no url\"}\n", " (2 unreadable entries; the first: ")]
    public async Task A_fetch_of_a_list_without_urls_is_refused_naming_the_list(string name, string content, string detail)
    {
        var list = _folder.Combine(name);
        await File.WriteAllTextAsync(list, content);

        var result = await RunAsync("crawl", "fetch", list, "--out", _folder.Combine("fetched"));

        AssertOneError(result, 2, $"pipeline: error: {list} holds no URLs{detail}");
    }

    [Fact]
    public async Task A_match_where_every_record_is_unreadable_fails()
    {
        var pool = _folder.Combine("pool.jsonl");
        await File.WriteAllTextAsync(pool, "{broken\n[1, 2]\n{\"url\": 3}\n");
        var entries = await WriteEntriesAsync("entries.txt", "cat\ndog\n");
        var output = _folder.Combine("matches");

        var result = await RunAsync("curate", "match", pool, "--entries", entries, "--out", output);

        AssertOneError(result, 1, $"pipeline: error: none of the pool's 3 records was readable (see {Path.Combine(output, "match-summary.json")}; the first: ");
    }

    [Fact]
    public async Task A_match_over_an_empty_pool_is_refused_naming_its_files()
    {
        var pool = _folder.Combine("pool.jsonl");
        await File.WriteAllTextAsync(pool, "");
        var entries = await WriteEntriesAsync("entries.txt", "cat\n");

        var result = await RunAsync("curate", "match", pool, "--entries", entries, "--out", _folder.Combine("matches"));

        AssertOneError(result, 2, $"pipeline: error: the pool holds no records: {pool}");
    }

    [Theory]
    [InlineData("metadata.json", "[]")]
    [InlineData("metadata.json", "")]
    [InlineData("entries.txt", "")]
    [InlineData("entries.txt", "\n \n")]
    [InlineData("queries.parquet", null)]
    public async Task A_match_against_an_empty_entry_list_is_refused_naming_it(string name, string? content)
    {
        var pool = _folder.Combine("pool.jsonl");
        await File.WriteAllTextAsync(pool, "{\"url\": \"http://example.com/cat.jpg\", \"caption\": \"a cat\"}\n");
        var entries = await WriteEntriesAsync(name, content);

        var result = await RunAsync("curate", "match", pool, "--entries", entries, "--out", _folder.Combine("matches"));

        AssertOneError(result, 2, $"pipeline: error: entry list {entries} holds no entries");
    }

    /// <summary>Writes an entry list; null content writes a query file with no rows, as 'queries build' would.</summary>
    private async Task<string> WriteEntriesAsync(string name, string? content)
    {
        var path = _folder.Combine(name);
        if (content is null)
        {
            await QueryEntryFile.WriteAsync(path, [], CancellationToken.None);
        }
        else
        {
            await File.WriteAllTextAsync(path, content);
        }

        return path;
    }

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr)}");
        return result;
    }

    private static void AssertOneError((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}: {string.Join('\n', result.Stderr)}");
        var line = Assert.Single(result.Stderr, l => l.StartsWith("pipeline: error:", StringComparison.Ordinal));
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
    }
}
