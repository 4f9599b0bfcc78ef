using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Curation.Tests;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A campaign's retry round fetches again only what failed for a reason another try may cure, and keeps every success.</summary>
public sealed class CampaignRetryTests(ITestOutputHelper log) : IDisposable
{
    private const int Images = 16;

    // Flaky images answer 503 once, then the image; gone ones answer 404 forever.
    private static readonly HashSet<int> Flaky = [1, 5, 9];
    private static readonly HashSet<int> Gone = [2, 11];

    private readonly TemporaryFolder _folder = new("campaign-retry");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_retry_round_fetches_only_the_retryable_failures_once_more_and_their_images_reach_the_final_shards()
    {
        var requests = new ConcurrentDictionary<int, int>();
        await using var site = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/", () => Results.Content(string.Concat(Enumerable.Range(0, Images).Select(i => $"<img src='/img/{i}.jpg' alt='a cat picture number {i}'>")), "text/html"));
            app.MapGet("/img/{n:int}.jpg", (int n) =>
            {
                var seen = requests.AddOrUpdate(n, 1, (_, c) => c + 1);
                return Gone.Contains(n) ? Results.NotFound()
                    : Flaky.Contains(n) && seen == 1 ? Results.StatusCode(503)
                    : Results.Bytes(SyntheticPhotos.Jpeg(n, 160, 120), "image/jpeg");
            });
        });
        var entries = _folder.Combine("entries.txt");
        await File.WriteAllLinesAsync(entries, ["cat"]);
        var spec = new JsonObject
        {
            ["name"] = "retry",
            ["output"] = _folder.Combine("campaign"),
            ["sources"] = new JsonObject { ["seeds"] = new JsonArray(site.BaseUri.AbsoluteUri) },
            ["queries"] = new JsonObject { ["wordNet"] = false, ["entries"] = entries },
            ["network"] = new JsonObject { ["allowLoopback"] = true },
            // No retries inside a fetch: the 503 ends the first round's attempt, so only the campaign's round can cure it.
            ["fetcher"] = new JsonObject { ["retries"] = 0 },
            ["fetch"] = new JsonObject { ["chunk"] = 6, ["retryRounds"] = 2, ["retryDelay"] = "00:00:00" },
            ["training"] = new JsonObject { ["enabled"] = false },
        };
        var specFile = _folder.Combine("retry.json");
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());

        var result = await PipelineExecutable.RunAsync(
            ["campaign", "start", specFile, "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"], timeoutSeconds: 300);
        log.WriteLine(string.Join('\n', result.Stdout.Concat(result.Stderr)));
        Assert.True(result.ExitCode == 0, string.Join('\n', result.Stderr.TakeLast(20)));

        // Each flaky image twice (the failure, then the retry round), every other image once: gone ones are not retried,
        // successes are kept, and the second round found nothing left to retry.
        Assert.All(Enumerable.Range(0, Images), n => Assert.Equal(Flaky.Contains(n) ? 2 : 1, requests.GetValueOrDefault(n)));
        Assert.Contains(result.Stderr.Concat(result.Stdout), l => l.Contains("after 1 retry round", StringComparison.Ordinal));
        // Every image that exists, the flaky ones included, is in the final shards (distinct photos, all kept by balancing).
        var final = await ShardLineageColumns.ReadStoreAsync(_folder.Combine("campaign", "shards"));
        Assert.Equal(Images - Gone.Count, final.Select(s => s.Key).Distinct(StringComparer.Ordinal).Count());
        var rounds = Directory.GetFiles(_folder.Combine("campaign"), "*.retry-1.json", SearchOption.AllDirectories);
        Assert.NotEmpty(rounds);
        Assert.Empty(Directory.GetFiles(_folder.Combine("campaign"), "*.retry-2.json", SearchOption.AllDirectories));
    }
}
