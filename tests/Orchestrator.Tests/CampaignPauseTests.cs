using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Curation.Tests;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Grains.Campaigns;
using Pipeline.Orchestrator.Grains.WorkQueues;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Pause and cancel reach the fetch workers: no chunk is leased or committed while a campaign is paused.</summary>
public sealed class CampaignPauseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Pairs = 12;
    private const int Chunk = 3;

    private readonly TemporaryFolder _folder = new("campaign-pause");
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackWebServer _web = null!;
    private int _served;

    public async Task InitializeAsync()
    {
        var jpegs = Enumerable.Range(0, Pairs).Select(n => SyntheticPhotos.Jpeg(n, 160, 120)).ToArray();
        // The first chunk's images come at once; every later one waits for the gate, so the pause finds a chunk in flight.
        _web = await LoopbackWebServer.StartAsync(app => app.MapGet("/img/{n:int}.jpg", async (int n, HttpContext context) =>
        {
            if (Interlocked.Increment(ref _served) > Chunk)
            {
                await _gate.Task.WaitAsync(context.RequestAborted);
            }

            return Results.Bytes(jpegs[n], "image/jpeg");
        }));
        await File.WriteAllLinesAsync(_folder.Combine("candidates.jsonl"), Enumerable.Range(0, Pairs).Select(n =>
            JsonSerializer.Serialize(new { url = _web.Url($"img/{n}.jpg").AbsoluteUri, caption = $"a cat number {n} on a mat" })));
    }

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        await _web.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Pause_holds_every_fetch_worker_with_nothing_committed_until_resume_which_fetches_the_rest()
    {
        using var runFolder = RunFolder.Open(_folder.Combine("state"), exclusive: true);
        using var host = await EmbeddedSilo.StartAsync(runFolder);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var spec = await LoadSpecAsync("paused");
        var campaign = grains.GetGrain<ICampaignGrain>(spec.Name);
        await campaign.Start(spec);
        var paths = new CampaignPaths(spec.Output);
        await WaitForAsync(() => Committed(paths).Count >= 1, "the first chunk's commit");

        var paused = await campaign.Pause();

        Assert.Equal(CampaignRunState.Paused, paused.State);
        Assert.Equal(CampaignStage.Fetch, paused.Stage);
        var queue = grains.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(spec.Name, paused.Run));
        var progress = await queue.GetProgress();
        output.WriteLine($"paused: {progress.Done} done, {progress.Pending} pending, {progress.Leased} leased; committed {string.Join(", ", Committed(paths))}");
        Assert.Equal((1, 0, Pairs / Chunk - 1), (progress.Done, progress.Leased, progress.Pending));
        var committedAtPause = Committed(paths);
        var shardsAtPause = await ShardCountAsync(paths.Fetched);

        // With every image now answered at once, a worker that still ran would commit the rest within moments.
        _gate.SetResult();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(committedAtPause, Committed(paths));
        Assert.Equal(shardsAtPause, await ShardCountAsync(paths.Fetched));
        Assert.Equal(0, (await queue.GetProgress()).Leased);

        await campaign.Unpause();
        await WaitForAsync(async () => (await campaign.GetStatus()).State == CampaignRunState.Completed, "the resumed campaign's end");
        Assert.Equal(Pairs / Chunk, Committed(paths).Count);
        Assert.Equal(Pairs / Chunk, await ShardCountAsync(paths.Fetched));
        Assert.Equal(Pairs, (await CampaignTests.ManifestKeysAsync(paths.Shards)).Count);
    }

    [Fact]
    public async Task Cancel_stops_the_fetch_workers_and_commits_nothing_more()
    {
        using var runFolder = RunFolder.Open(_folder.Combine("state"), exclusive: true);
        using var host = await EmbeddedSilo.StartAsync(runFolder);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var spec = await LoadSpecAsync("cancelled");
        var campaign = grains.GetGrain<ICampaignGrain>(spec.Name);
        await campaign.Start(spec);
        var paths = new CampaignPaths(spec.Output);
        await WaitForAsync(() => Committed(paths).Count >= 1, "the first chunk's commit");

        var cancelled = await campaign.Cancel();

        Assert.Equal(CampaignRunState.Cancelled, cancelled.State);
        Assert.Equal(0, (await grains.GetGrain<IWorkQueueGrain>(CampaignQueues.Fetch(spec.Name, cancelled.Run)).GetProgress()).Leased);
        var committed = Committed(paths);
        _gate.SetResult();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(committed, Committed(paths));
    }

    private async Task<CampaignSpec> LoadSpecAsync(string name)
    {
        var spec = new JsonObject
        {
            ["name"] = name,
            ["output"] = _folder.Combine(name),
            ["sources"] = new JsonObject { ["candidates"] = new JsonArray(_folder.Combine("candidates.jsonl")), ["partitions"] = 1 },
            ["queries"] = new JsonObject { ["wordNet"] = false, ["extra"] = new JsonArray("cat") },
            ["network"] = new JsonObject { ["allowLoopback"] = true },
            ["fetcher"] = new JsonObject { ["requestsPerSecondPerHost"] = 0, ["attemptTimeout"] = "01:00:00", ["totalTimeout"] = "01:00:00", ["obeyRobots"] = false },
            ["fetch"] = new JsonObject { ["chunk"] = Chunk, ["concurrency"] = Chunk },
            ["training"] = new JsonObject { ["enabled"] = false },
        };
        var path = _folder.Combine(name + ".json");
        await File.WriteAllTextAsync(path, spec.ToJsonString());
        return await CampaignSpecFile.LoadAsync(path, CancellationToken.None);
    }

    /// <summary>The fetch chunks with a commit record.</summary>
    private static List<string> Committed(CampaignPaths paths) =>
        Directory.Exists(paths.FetchLogs) ? [.. Directory.GetFiles(paths.FetchLogs, "chunk-*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)] : [];

    private static async Task<int> ShardCountAsync(string store) =>
        (await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None)).Shards.Count;

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within 4 minutes");
            await Task.Delay(100);
        }
    }
}
