using Pipeline.Curation.Tests;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// The explorer's stores, written once for its tests: <c>fetched</c> (real JPEG samples with planted duplicates, kept for
/// entries 1–3, and one sample whose caption is markup, alone in entry 7), <c>deduped</c> (what a real <c>curate dedup</c>
/// made of it, with its dropped records), and in <c>deduped</c> a shard file never committed; then <c>pipeline dashboard</c>
/// on 127.0.0.1 told about both stores.
/// </summary>
public sealed class SampleExplorerStores : IAsyncLifetime
{
    /// <summary>A caption that would run script if a page put it into HTML.</summary>
    public const string ScriptCaption = "<script>window.__explorerXss = 1</script><img src=x onerror=\"window.__explorerXss = 2\"> a caption with markup";

    /// <summary>The entry that holds only the <see cref="ScriptCaption"/> sample.</summary>
    public const int ScriptEntry = 7;

    private readonly TemporaryFolder _folder = new("sample-explorer");
    private ManagedProcess? _dashboard;

    /// <summary>Every sample written to <c>fetched</c>.</summary>
    public IReadOnlyList<Sample> Fetched { get; private set; } = [];

    /// <summary>The drops dedup is expected to make: dropped key to (reason, keeper key).</summary>
    public IReadOnlyDictionary<string, (string Reason, string DuplicateOf)> Drops { get; private set; } = new Dictionary<string, (string, string)>();

    /// <summary>The key of a sample that sits only in the uncommitted shard file.</summary>
    public string UncommittedKey { get; private set; } = "";

    /// <summary>The dashboard's address, ending in '/'.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The folder of the <c>fetched</c> store.</summary>
    public string FetchedFolder => _folder.Combine("fetched");

    /// <summary>The folder of the <c>deduped</c> store.</summary>
    public string DedupedFolder => _folder.Combine("deduped");

    /// <summary>The environment that tells a dashboard about both stores.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["PIPELINE_Dashboard__Stores__fetched"] = FetchedFolder,
        ["PIPELINE_Dashboard__Stores__deduped"] = DedupedFolder,
    };

    public async Task InitializeAsync()
    {
        var (samples, drops) = CurationInputs.WithDuplicates();
        var jpeg = SyntheticPhotos.Jpeg(40);
        samples.Add(CurationInputs.Sample("https://evil.example.com/x.jpg", ScriptCaption, jpeg) with { KeptForEntry = ScriptEntry });
        Fetched = [.. samples.Select((s, i) => s.KeptForEntry is null ? s with { KeptForEntry = 1 + (i % 3) } : s)];
        Drops = drops;
        await CurationInputs.WriteAsync(FetchedFolder, Fetched, perShard: 6);

        var dedup = await PipelineExecutable.RunAsync(["curate", "dedup", FetchedFolder, "--out", DedupedFolder]);
        Assert.True(dedup.ExitCode == 0, string.Join('\n', dedup.Stdout.Concat(dedup.Stderr)));

        // A shard written but never committed to 'deduped': a copy of a real shard under a name its manifest does not list.
        var stray = _folder.Combine("stray");
        var lost = CurationInputs.Sample("https://stray.example.com/1.jpg", "never committed", SyntheticPhotos.Jpeg(41)) with { KeptForEntry = 1 };
        UncommittedKey = lost.Key;
        await CurationInputs.WriteAsync(stray, [lost], perShard: 6, prefix: "stray");
        var shard = (await new ManifestStore(new LocalFolderStore(stray)).LoadAsync(CancellationToken.None)).Shards[0];
        File.Copy(Path.Combine(stray, shard.Path), Path.Combine(DedupedFolder, Path.GetDirectoryName(shard.Path) ?? "", "uncommitted-00000.parquet"));

        _dashboard = PipelineExecutable.Start(
            ["dashboard", "--port", "0", "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"],
            Environment);
        var announced = await _dashboard.WaitForOutputAsync(l => l.StartsWith("dashboard: http://127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        Address = new Uri(announced.Split(' ')[1]);
    }

    public Task DisposeAsync()
    {
        _dashboard?.Terminate();
        _dashboard?.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
