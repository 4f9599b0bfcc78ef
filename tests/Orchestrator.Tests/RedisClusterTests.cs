using System.Text.Json;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Curation.Tests;
using Pipeline.Orchestrator.Grains.Diagnostics;
using Pipeline.Orchestrator.Hosting;
using Pipeline.TestServices;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A real distributed cluster: redis-server, two `pipeline silo` processes and a client in the test.</summary>
public sealed class RedisClusterTests(ITestOutputHelper log) : IAsyncLifetime
{
    // Fast failure detection so a killed silo is declared dead in seconds, not the production default of ~30 s.
    internal static readonly IReadOnlyDictionary<string, string> FastMembership = new Dictionary<string, string>
    {
        ["PIPELINE_Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["PIPELINE_Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["PIPELINE_Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
        ["PIPELINE_Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
    };

    // What Orleans says when a placement filter leaves no candidate silo.
    private const string NoCompatibleSilo = "compatible";

    private readonly List<(ManagedProcess Process, int SiloPort)> _silos = [];
    private RedisServer? _redis;
    private IHost? _client;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        await Task.WhenAll(StartSiloAsync(), StartSiloAsync("--role", "gpu"));
        var options = new PipelineOptions { Cluster = _redis.ConnectionString };
        _client = PipelineHosts.BuildClient(EmbeddedSilo.QuietConfiguration(), options, verbose: false);
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var (process, _) in _silos)
        {
            log.WriteLine(process.Transcript());
            process.Dispose();
        }

        _redis?.Dispose();
    }

    [Fact]
    public async Task A_grain_and_its_state_move_to_the_surviving_silo_when_its_silo_is_killed()
    {
        var grains = _client!.Services.GetRequiredService<IGrainFactory>();
        var probe = grains.GetGrain<IProbeGrain>("survivor");
        await probe.Touch("one");
        var before = await probe.Touch("two");
        Assert.Equal(2, before.Touches);

        // The state is in Redis, not in the silo's memory.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.ConnectionString))
        {
            var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "*survivor*").ToList();
            Assert.NotEmpty(keys);
        }

        var host = _silos.Single(s => before.Silo.Contains(PortText(s.SiloPort), StringComparison.Ordinal));
        var survivor = _silos.Single(s => s != host);
        log.WriteLine($"killing silo pid {host.Process.Id} on port {host.SiloPort} with SIGKILL");
        host.Process.KillHard();

        var after = await RetryAsync(() => probe.Touch("three"), TimeSpan.FromSeconds(90));

        Assert.Equal(3, after.Touches);
        Assert.Equal("three", after.LastNote);
        Assert.Contains(PortText(survivor.SiloPort), after.Silo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grains_that_require_the_gpu_role_are_placed_only_on_the_gpu_silo()
    {
        var grains = _client!.Services.GetRequiredService<IGrainFactory>();
        var gpuSilo = _silos[1].SiloPort;

        // Silo metadata (the roles) reaches the other silo's cache shortly after it joins; allow for that.
        var receipts = await RetryAsync(
            () => Task.WhenAll(Enumerable.Range(0, 12).Select(i => grains.GetGrain<IGpuProbeGrain>($"gpu-{i}").Where())),
            TimeSpan.FromSeconds(30));

        Assert.All(receipts, r =>
        {
            Assert.Contains(PortText(gpuSilo), r.Silo, StringComparison.Ordinal);
            Assert.Equal("gpu", r.Roles);
        });
    }

    [Fact]
    public async Task Without_a_live_gpu_silo_gpu_grains_are_refused_rather_than_placed_on_another_silo()
    {
        var grains = _client!.Services.GetRequiredService<IGrainFactory>();
        var (gpu, cpu) = (_silos[1], _silos[0]);
        gpu.Process.KillHard();

        // Until the cluster declares the gpu silo dead, calls may fail for other reasons; once it has, placement
        // must refuse gpu grains. At no point may one land on the cpu silo.
        Exception? refusal = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        for (var attempt = 0; refusal is null && DateTime.UtcNow < deadline; attempt++)
        {
            try
            {
                var receipt = await grains.GetGrain<IGpuProbeGrain>($"after-kill-{attempt}").Where();
                Assert.DoesNotContain(PortText(cpu.SiloPort), receipt.Silo, StringComparison.Ordinal);
            }
            // A directory lookup cut short by the membership change surfaces as OperationCanceledException (CI saw it).
            catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
            {
                log.WriteLine($"attempt {attempt}: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                if (ex.Message.Contains(NoCompatibleSilo, StringComparison.OrdinalIgnoreCase))
                {
                    refusal = ex;
                }

                await Task.Delay(500);
            }
        }

        Assert.NotNull(refusal);
    }

    [Fact]
    public async Task A_silo_asked_to_stop_with_SIGTERM_leaves_the_cluster_and_exits_cleanly()
    {
        var (silo, _) = _silos[0];

        silo.Terminate();

        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        await silo.WaitForOutputAsync(l => l.Contains("leaving the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(silo.StandardError, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        // Its control-plane totals, counted through the Redis grain storage's wrapper, in one line.
        await silo.WaitForOutputAsync(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Control plane: \d+ grain calls \(.*\), \d+ storage reads, \d+ storage writes, \d+ storage clears"), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Doctor_with_cluster_acts_as_a_client_of_the_running_cluster()
    {
        using var runFolder = new TemporaryFolder("doctor-client");

        var (exitCode, stdout, stderr) = await PipelineExecutable.RunAsync(
            ["doctor", "--cluster", _redis!.ConnectionString, "--run-dir", runFolder.Path]);

        Assert.True(exitCode == 0, string.Join('\n', stdout.Concat(stderr)));
        var grainLine = Assert.Single(stdout, l => DoctorOutput.IsCheck(l, "grain"));
        Assert.StartsWith("ok", grainLine, StringComparison.Ordinal);
        Assert.Contains("client connected to cluster", Assert.Single(stdout, l => DoctorOutput.IsCheck(l, "cluster")), StringComparison.Ordinal);
        Assert.True(_silos.Any(s => grainLine.Contains(PortText(s.SiloPort), StringComparison.Ordinal)), grainLine);
    }

    [Fact]
    public async Task Dedup_spread_over_the_silos_equals_dedup_in_one_process()
    {
        using var folder = new TemporaryFolder("dedup-cluster");
        var (samples, _) = CurationInputs.WithDuplicates();
        var input = Path.Combine(folder.Path, "in");
        await CurationInputs.WriteAsync(input, samples, perShard: 4);

        var local = await PipelineExecutable.RunAsync(["curate", "dedup", input, "--out", folder.Path + "/local", "--parallel", "1"]);
        Assert.True(local.ExitCode == 0, string.Join('\n', local.Stdout.Concat(local.Stderr)));
        var cluster = await PipelineExecutable.RunAsync(
            ["curate", "dedup", input, "--out", folder.Path + "/cluster", "--parallel", "4", "--index-rows", "3", "--cluster", _redis!.ConnectionString], timeoutSeconds: 300);
        Assert.True(cluster.ExitCode == 0, string.Join('\n', cluster.Stdout.Concat(cluster.Stderr)));
        Assert.Contains(cluster.Stdout, l => l.EndsWith("on the cluster", StringComparison.Ordinal));

        Assert.Equal(
            (await CurationInputs.ReadAllAsync(folder.Path + "/local")).Select(s => s.Key).Order(),
            (await CurationInputs.ReadAllAsync(folder.Path + "/cluster")).Select(s => s.Key).Order());
        Assert.Equal(
            CurationInputs.ReadDropped(folder.Path + "/local", "dedup").Select(d => d.ToString()).Order(),
            CurationInputs.ReadDropped(folder.Path + "/cluster", "dedup").Select(d => d.ToString()).Order());
        // The search was cut into slices of at most about 3 hashes: more items than chunk tables, one pair file each.
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "cluster", "dedup-summary.json")));
        var plan = Pipeline.Curation.Dedup.NearPairSearchPlan.For(summary.RootElement.GetProperty("figures").GetProperty("distinctHashes").GetInt64(), indexRows: 3, minItems: 4);
        Assert.True(plan.Slices > 1);
        Assert.Equal(plan.Items, Directory.GetFiles(Path.Combine(folder.Path, "cluster", "dedup", "work", "pairs")).Length);
    }

    [Fact]
    public async Task Query_counting_spread_over_the_silos_equals_counting_in_one_process()
    {
        using var folder = new TemporaryFolder("queries-cluster");
        var (dump, _, _) = Pipeline.Curation.Tests.Queries.WikiDumps.WriteMultistream(folder.Path, "gen", Pipeline.Curation.Tests.Queries.WikiDumps.Generated(500, seed: 5), pagesPerStream: 25);
        string[] thresholds = ["--min-word-count", "20", "--min-bigram-count", "3", "--min-bigram-pmi", "2", "--no-wordnet"];

        var local = await PipelineExecutable.RunAsync(["queries", "build", "--wiki", dump, "--out", folder.Path + "/local.parquet", "--parallel", "1", "--partition-mb", "1000", "--buckets", "1", .. thresholds]);
        Assert.True(local.ExitCode == 0, string.Join('\n', local.Stdout.Concat(local.Stderr)));
        var cluster = await PipelineExecutable.RunAsync(
            ["queries", "build", "--wiki", dump, "--out", folder.Path + "/cluster.parquet", "--parallel", "4", "--partition-mb", "0", "--buckets", "3", "--max-entries-in-memory", "1000", "--cluster", _redis!.ConnectionString, .. thresholds], timeoutSeconds: 300);
        Assert.True(cluster.ExitCode == 0, string.Join('\n', cluster.Stdout.Concat(cluster.Stderr)));
        Assert.Contains(cluster.Stdout, l => l.EndsWith("on the cluster", StringComparison.Ordinal));

        var one = await Pipeline.Curation.Queries.QueryEntryFile.ReadAsync(folder.Path + "/local.parquet", CancellationToken.None);
        var spread = await Pipeline.Curation.Queries.QueryEntryFile.ReadAsync(folder.Path + "/cluster.parquet", CancellationToken.None);
        Assert.True(one.Count(e => e.Sources.HasFlag(Pipeline.Curation.Queries.QuerySources.Bigram)) > 10);
        Assert.Equal(one, spread);
        Assert.Equal(20, Directory.GetDirectories(Path.Combine(folder.Path, "cluster.work", "counts")).Length);
    }

    private async Task StartSiloAsync(params string[] extra)
    {
        var siloPort = FreePort.Next();
        var process = PipelineExecutable.Start(
        [
            "silo", "--cluster", _redis!.ConnectionString, "--advertise", "127.0.0.1",
            "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
            "--gateway-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), .. extra,
        ], FastMembership);
        lock (_silos)
        {
            _silos.Add((process, siloPort));
            _silos.Sort((a, b) => a.Process.Description.Contains("gpu", StringComparison.Ordinal).CompareTo(b.Process.Description.Contains("gpu", StringComparison.Ordinal)));
        }

        await process.WaitForOutputAsync(l => l.Contains("joined cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
    }

    private static string PortText(int port) => $":{port.ToString(CultureInfo.InvariantCulture)}:";

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await call();
            }
            // A call to the dead silo's activation is cancelled (not only rejected) while the cluster notices the death.
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException or OperationCanceledException)
            {
                log.WriteLine($"retrying after {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                await Task.Delay(500);
            }
        }
    }
}
