using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Images;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// Campaign names through the real program: an output or store that cannot be written is refused before the campaign
/// exists, and a cancelled, failed or completed campaign is started again under its name with <c>--replace</c>.
/// </summary>
public sealed class CampaignReplaceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new("campaign-replace");
    private LoopbackWebServer _web = null!;

    public async Task InitializeAsync()
    {
        var jpeg = TestPattern.GradientJpeg(320, 240);
        _web = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/img/{n:int}.jpg", (int n) => Results.Bytes(jpeg, "image/jpeg"));
            // A seed page that never answers keeps a campaign in its extract stage until it is stopped.
            app.MapGet("/hang", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        });
        var lines = Enumerable.Range(0, 6).Select(n => JsonSerializer.Serialize(new { url = _web.Url($"img/{n}.jpg").AbsoluteUri, caption = $"a cat number {n} on a mat" }));
        await File.WriteAllLinesAsync(_folder.Combine("candidates.jsonl"), lines);
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task An_output_or_store_that_cannot_be_written_is_refused_before_the_campaign_exists_and_the_name_stays_free()
    {
        // Real unwritable places, even for root: a folder under a regular file, and /proc.
        var blocker = _folder.Combine("blocker");
        await File.WriteAllTextAsync(blocker, "a file, not a folder");
        var underFile = await StartAsync(WriteSpec("a", Path.Combine(blocker, "out")));
        Assert.Equal(2, underFile.ExitCode);
        Assert.Equal($"pipeline: error: output '{Path.Combine(blocker, "out")}': cannot create folder: '{blocker}' is a file, not a folder", ErrorLine(underFile));

        var proc = await StartAsync(WriteSpec("a", _folder.Combine("out"), store: "/proc"));
        Assert.Equal(2, proc.ExitCode);
        Assert.Equal("pipeline: error: store '/proc': cannot write a file in it: the file system refuses new entries there (no such file or directory)", ErrorLine(proc));

        var status = await RunAsync(["campaign", "status", "x"]);
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("no campaign named 'x'", ErrorLine(status), StringComparison.Ordinal);

        var corrected = await StartAsync(WriteSpec("a", _folder.Combine("out"), store: _folder.Combine("store")));
        Assert.True(corrected.ExitCode == 0, Transcript(corrected));
        Assert.Contains(corrected.Stdout, l => l.StartsWith("campaign x: completed", StringComparison.Ordinal));
        Assert.NotEmpty(await CampaignTests.ManifestKeysAsync(_folder.Combine("store")));
    }

    [Fact]
    public async Task A_blob_store_is_written_to_before_the_campaign_exists()
    {
        using var azurite = await AzuriteServer.StartAsync();
        var container = new BlobContainerClient(azurite.ConnectionString, "readonly");
        await container.CreateIfNotExistsAsync();
        var readOnly = new BlobUriBuilder(container.GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1))) { BlobName = "run" }.ToUri();
        var refused = await StartAsync(WriteSpec("a", _folder.Combine("out"), store: readOnly.AbsoluteUri));
        Assert.Equal(2, refused.ExitCode);
        var line = ErrorLine(refused);
        Assert.Equal($"pipeline: error: store '{readOnly.AbsoluteUri.Split('?')[0]}': cannot write a blob: HTTP 403 AuthorizationPermissionMismatch", line);

        var noCredentials = await StartAsync(WriteSpec("a", _folder.Combine("out"), store: "azure://shards/run"));
        Assert.Equal(2, noCredentials.ExitCode);
        Assert.StartsWith("pipeline: error: store 'azure://shards/run': 'azure://shards/run' needs Sharding:Storage:AzureConnectionString", ErrorLine(noCredentials), StringComparison.Ordinal);

        // The name stayed free: the same store with credentials runs (the probe creates the container, as a first shard would).
        var environment = new Dictionary<string, string> { ["PIPELINE_Sharding__Storage__AzureConnectionString"] = azurite.ConnectionString };
        var stored = await StartAsync(WriteSpec("a", _folder.Combine("out"), store: "azure://shards/run"), environment: environment);
        Assert.True(stored.ExitCode == 0, Transcript(stored));
        var store = ShardStoreLocation.Open("azure://shards/run", new ShardStoreOptions { AzureConnectionString = azurite.ConnectionString });
        Assert.NotNull(await store.GetLengthAsync("manifest.json", CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_campaign_resumes_with_its_spec_and_is_replaced_with_another_only_through_replace()
    {
        var broken = WriteSpec("broken", _folder.Combine("broken"), candidates: _folder.Combine("absent.jsonl"));
        var failed = await StartAsync(broken);
        Assert.True(failed.ExitCode == 1, Transcript(failed));
        Assert.Contains(failed.Stdout, l => l.StartsWith("campaign x: failed at stage extract", StringComparison.Ordinal));

        // The same spec again resumes the failed stage (which fails again); another spec needs --replace.
        var resumed = await StartAsync(broken);
        Assert.Equal(1, resumed.ExitCode);
        Assert.Equal(2, resumed.Stdout.Count(l => l.StartsWith("  error ", StringComparison.Ordinal)));

        var fixedSpec = WriteSpec("fixed", _folder.Combine("fixed"));
        var refused = await StartAsync(fixedSpec);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal(
            "pipeline: error: campaign 'x' failed at stage extract with another spec; 'pipeline campaign resume x' retries that stage, " +
            "or 'pipeline campaign start SPEC --replace' starts this spec in its place",
            ErrorLine(refused));

        var replaced = await StartAsync(fixedSpec, ["--replace", "--json"]);
        Assert.True(replaced.ExitCode == 0, Transcript(replaced));
        using (var json = JsonDocument.Parse(string.Join('\n', replaced.Stdout)))
        {
            var campaign = json.RootElement.GetProperty("campaign");
            Assert.Equal("completed", campaign.GetProperty("state").GetString());
            Assert.Equal(_folder.Combine("fixed"), campaign.GetProperty("output").GetString());
            Assert.Equal(1, campaign.GetProperty("run").GetInt32());
            Assert.Equal(0, campaign.GetProperty("errors").GetArrayLength());
            Assert.True(json.RootElement.GetProperty("entries").GetProperty("images").GetInt64() > 0);
        }

        // Another spec into the folder the completed run filled would reuse its committed work: refused until it is emptied.
        var other = WriteSpec("other", _folder.Combine("fixed"), extra: ["cat", "mat"]);
        var mixed = await StartAsync(other, ["--replace"]);
        Assert.Equal(2, mixed.ExitCode);
        Assert.Equal(
            $"pipeline: error: output '{_folder.Combine("fixed")}' holds the work of another spec (campaign 'x'), recorded in {_folder.Combine("fixed", "campaign-spec.json")}; " +
            "give this spec another output, or empty that folder first (its stages would reuse the old spec's committed work)",
            ErrorLine(mixed));
        var unchanged = await RunAsync(["campaign", "status", "x"]);
        Assert.Contains(unchanged.Stdout, l => l.StartsWith($"campaign x: completed at stage done, output {_folder.Combine("fixed")}", StringComparison.Ordinal));

        Directory.Delete(_folder.Combine("fixed"), recursive: true);
        var emptied = await StartAsync(other, ["--replace"]);
        Assert.True(emptied.ExitCode == 0, Transcript(emptied));
    }

    [Fact]
    public async Task A_running_or_paused_campaign_is_not_replaced_until_it_is_cancelled()
    {
        var hanging = WriteSpec("hanging", _folder.Combine("hanging"), seed: _web.Url("hang").AbsoluteUri);
        var next = WriteSpec("next", _folder.Combine("next"));

        // A process killed while the campaign runs leaves it running in the run folder's state.
        using (var crashed = PipelineExecutable.Start(StartArguments(hanging)))
        {
            await crashed.WaitForOutputAsync(l => l.Contains("campaign x: running, stage extract", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            crashed.KillHard();
        }

        var running = await StartAsync(next, ["--replace"]);
        Assert.Equal(2, running.ExitCode);
        Assert.Equal("pipeline: error: campaign 'x' is running (stage extract) and cannot be replaced; 'pipeline campaign cancel x' stops it first", ErrorLine(running));

        // Stopping the command (SIGTERM, like Ctrl+C) pauses an embedded campaign.
        using (var stopped = PipelineExecutable.Start(StartArguments(hanging)))
        {
            await stopped.WaitForOutputAsync(l => l.Contains("campaign x: running, stage extract", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            stopped.Terminate();
            Assert.Equal(130, await stopped.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        }

        var paused = await StartAsync(next, ["--replace"]);
        Assert.Equal(2, paused.ExitCode);
        Assert.Equal("pipeline: error: campaign 'x' is paused at stage extract and cannot be replaced; 'pipeline campaign cancel x' stops it first", ErrorLine(paused));
        var withoutReplace = await StartAsync(next);
        Assert.Equal(2, withoutReplace.ExitCode);
        Assert.Equal(
            "pipeline: error: campaign 'x' is paused at stage extract with another spec; 'pipeline campaign resume x' continues it, " +
            "or 'pipeline campaign cancel x' and then 'pipeline campaign start SPEC --replace' starts this spec in its place",
            ErrorLine(withoutReplace));

        var cancel = await RunAsync(["campaign", "cancel", "x"]);
        Assert.True(cancel.ExitCode == 0, Transcript(cancel));
        var cancelled = await StartAsync(hanging);
        Assert.Equal(2, cancelled.ExitCode);
        Assert.Equal("pipeline: error: campaign 'x' was cancelled at stage extract; 'pipeline campaign start SPEC --replace' starts it again from the first stage", ErrorLine(cancelled));

        var replaced = await StartAsync(next, ["--replace"]);
        Assert.True(replaced.ExitCode == 0, Transcript(replaced));
        Assert.Contains(replaced.Stdout, l => l.StartsWith($"campaign x: completed at stage done, output {_folder.Combine("next")}, restarts 0", StringComparison.Ordinal));
    }

    /// <summary>A small campaign 'x': candidates from a file of six pictures on the test web (or a seed page), no training.</summary>
    private string WriteSpec(string file, string outputFolder, string? store = null, string? candidates = null, string? seed = null, string[]? extra = null)
    {
        var spec = new JsonObject
        {
            ["name"] = "x",
            ["output"] = outputFolder,
            ["sources"] = seed is null
                ? new JsonObject { ["candidates"] = new JsonArray(candidates ?? _folder.Combine("candidates.jsonl")), ["partitions"] = 1 }
                : new JsonObject { ["seeds"] = new JsonArray(seed), ["partitions"] = 1 },
            ["queries"] = new JsonObject { ["wordNet"] = false, ["extra"] = new JsonArray([.. (extra ?? ["cat"]).Select(e => JsonValue.Create(e))]) },
            ["network"] = new JsonObject { ["allowLoopback"] = true },
            // The hanging seed must stay unanswered until the test stops the campaign, however slow the machine.
            ["fetcher"] = new JsonObject { ["requestsPerSecondPerHost"] = 0, ["attemptTimeout"] = "01:00:00", ["totalTimeout"] = "01:00:00", ["obeyRobots"] = false },
            ["training"] = new JsonObject { ["enabled"] = false },
        };
        if (store is not null)
        {
            spec["store"] = store;
        }

        var path = _folder.Combine(file + ".json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    private string[] StartArguments(string spec, params string[] more) =>
        ["campaign", "start", spec, .. more, "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"];

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> StartAsync(
        string spec, string[]? flags = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await PipelineExecutable.RunAsync(StartArguments(spec, flags ?? []), environment, timeoutSeconds: 300);
        output.WriteLine($"start {Path.GetFileName(spec)} {string.Join(' ', flags ?? [])}: exit {run.ExitCode}\n{Transcript(run)}");
        return run;
    }

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(string[] arguments) =>
        await PipelineExecutable.RunAsync([.. arguments, "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"]);

    /// <summary>The command's one error line; logs on standard error beside it (a grain taken over from a dead process, a busy machine's warnings) are not the command's.</summary>
    private static string ErrorLine((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) run) =>
        Assert.Single(run.Stderr, l => l.StartsWith("pipeline:", StringComparison.Ordinal));

    private static string Transcript((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) run) =>
        $"--- stdout ---\n{string.Join('\n', run.Stdout)}\n--- stderr ---\n{string.Join('\n', run.Stderr)}";
}
