using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// The scale harness on a cluster: the stages at n candidates twice, once each in its own process and once as
/// clients of <c>silos</c> <c>pipeline silo</c> processes with Redis on this machine (match partitions, balance
/// bands, filter and dedup work items spread over the silos); checks that both runs give the same output, stage
/// by stage, and shows how the work spread (work items per silo, from the silos' logs) and each silo's peak memory.
/// </summary>
internal static partial class ScaleClusterBenchmarks
{
    public static async Task RunAsync(int silos, long n, CancellationToken cancellationToken)
    {
        using var root = new TemporaryFolder("bench-scale-cluster");
        var entriesPath = root.Combine("entries.parquet");
        var queries = await ChildProcessMeter.RunAsync("queries", [.. ScaleBenchmarks.PipelineCommand(), "queries", "build", "--out", entriesPath], root.Path, ScaleBenchmarks.ChildEnvironment, cancellationToken);
        if (queries.ExitCode != 0)
        {
            throw new InvalidOperationException($"queries build failed ({queries.ExitCode}); is WordNet installed (/usr/share/wordnet)?");
        }

        var input = new ScaleInput(await EntryListFile.LoadAsync(entriesPath, cancellationToken), 0, new Uri("http://127.0.0.1:9/"));

        // A small band budget, so balance and refill rank bands as work items at this n (the choice is the same at any budget).
        var environment = new Dictionary<string, string> { ["PIPELINE_Curation__Balancing__BandRows"] = "200000" };
        var measured = new List<ScaleMeasurement>();
        var one = root.Combine("one-process");
        Directory.CreateDirectory(one);
        await ScaleBenchmarks.RunSizeAsync(n, one, entriesPath, input, measured, new ScaleRunMode("", [], HttpFetch: false, environment), cancellationToken);

        using var redis = await RedisServer.StartAsync();
        var processes = new List<ManagedProcess>();
        try
        {
            var command = ScaleBenchmarks.PipelineCommand();
            var siloEnvironment = new Dictionary<string, string>(environment)
            {
                ["PIPELINE_Logging__LogLevel__Default"] = "Warning",
                ["PIPELINE_Logging__LogLevel__Pipeline"] = "Information",
            };
            for (var i = 0; i < silos; i++)
            {
                processes.Add(ManagedProcess.Start(
                    command[0],
                    [.. command.Skip(1), "silo", "--cluster", redis.ConnectionString, "--advertise", "127.0.0.1", "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"],
                    siloEnvironment));
            }

            foreach (var process in processes)
            {
                await process.WaitForOutputAsync(l => l.Contains("joined cluster", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            }

            var cluster = root.Combine("cluster");
            Directory.CreateDirectory(cluster);
            await ScaleBenchmarks.RunSizeAsync(n, cluster, entriesPath, input, measured, new ScaleRunMode("-cluster", ["--cluster", redis.ConnectionString], HttpFetch: false, environment), cancellationToken);

            var same = new Dictionary<string, bool>
            {
                ["match_counts"] = File.ReadAllBytes(Path.Combine(one, "matched", "counts.bin")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(cluster, "matched", "counts.bin"))),
                ["balanced_pairs"] = (await PairsAsync(Path.Combine(one, "balanced", "balanced.parquet"), cancellationToken)).SequenceEqual(await PairsAsync(Path.Combine(cluster, "balanced", "balanced.parquet"), cancellationToken)),
            };
            foreach (var store in new[] { "filtered", "deduped", "final" })
            {
                same[$"{store}_keys"] = (await KeysAsync(Path.Combine(one, store), cancellationToken)).SequenceEqual(await KeysAsync(Path.Combine(cluster, store), cancellationToken));
            }

            var peaks = processes.Select(p => ChildProcessMeter.ReadHighWaterMark(p.Id)).ToList();
            // Stopped gracefully, each silo logs its control-plane totals (grain calls by interface, storage operations).
            foreach (var process in processes)
            {
                process.Terminate();
            }

            foreach (var process in processes)
            {
                await process.WaitForExitAsync(TimeSpan.FromMinutes(1));
            }

            var spread = processes.Select((p, i) => new
            {
                silo = i,
                peak_rss_mb = peaks[i] is { } bytes ? Math.Round(bytes / 1048576.0, 1) : (double?)null,
                work_items = WorkItems(p.StandardOutput.Concat(p.StandardError)),
                control_plane = ControlPlane(p.StandardOutput.Concat(p.StandardError)),
            }).ToList();
            var calls = spread.Sum(s => s.control_plane?.Calls ?? 0);
            var pipelineCalls = spread.Sum(s => s.control_plane?.PipelineCalls ?? 0);
            var storage = spread.Sum(s => s.control_plane is { } c ? c.Reads + c.Writes + c.Clears : 0);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "scale-cluster",
                n,
                silos,
                same_output = same.Values.All(v => v),
                same,
                spread,
                grain_calls = calls,
                pipeline_grain_calls = pipelineCalls,
                pipeline_grain_calls_per_candidate = pipelineCalls / (double)n,
                orleans_system_calls = calls - pipelineCalls,
                storage_operations = storage,
                storage_operations_per_candidate = storage / (double)n,
            }));
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    private static async Task<List<string>> PairsAsync(string path, CancellationToken cancellationToken) =>
        await PairFile.ReadAsync(path, cancellationToken).Select(p => $"{p.Key} {p.Balance}").ToListAsync(cancellationToken);

    /// <summary>Every sample key of a store, sorted (shards are written in whatever order work items finish).</summary>
    private static async Task<List<string>> KeysAsync(string location, CancellationToken cancellationToken)
    {
        var store = ShardStoreLocation.Open(location, new ShardStoreOptions());
        var keys = new List<string>();
        foreach (var entry in (await new ManifestStore(store).LoadAsync(cancellationToken)).Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                keys.AddRange((await reader.ReadRowGroupAsync(g, cancellationToken)).Select(s => s.Key));
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>Work items a silo logged, by kind (the first word of the item: match, rank, filter, sign, findpairs, dedup).</summary>
    private static Dictionary<string, int> WorkItems(IEnumerable<string> lines) =>
        lines.Select(l => WorkItemLine().Match(l)).Where(m => m.Success).GroupBy(m => m.Groups["kind"].Value).ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex(@"Work item (?<kind>\S+) .*done on silo")]
    private static partial Regex WorkItemLine();

    /// <summary>The control-plane totals a silo logged when it stopped, or null when it logged none.</summary>
    private static ControlPlaneLine? ControlPlane(IEnumerable<string> lines) =>
        lines.Select(l => ControlPlaneTotalsLine().Match(l)).LastOrDefault(m => m.Success) is { } m
            ? new ControlPlaneLine(
                long.Parse(m.Groups["calls"].Value, CultureInfo.InvariantCulture),
                m.Groups["by"].Value,
                long.Parse(m.Groups["reads"].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups["writes"].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups["clears"].Value, CultureInfo.InvariantCulture))
            : null;

    [GeneratedRegex(@"Control plane: (?<calls>\d+) grain calls \((?<by>[^)]*)\), (?<reads>\d+) storage reads, (?<writes>\d+) storage writes, (?<clears>\d+) storage clears")]
    private static partial Regex ControlPlaneTotalsLine();

    /// <summary>A silo's control-plane totals as logged.</summary>
    private sealed record ControlPlaneLine(long Calls, string ByInterface, long Reads, long Writes, long Clears)
    {
        /// <summary>Calls to the pipeline's grains (the rest are Orleans' own: directory, membership, timers, dashboard).</summary>
        public long PipelineCalls => ByInterface.Split(", ", StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('='))
            .Where(c => c.Length == 2 && c[0].StartsWith("Pipeline.", StringComparison.Ordinal))
            .Sum(c => long.Parse(c[1], CultureInfo.InvariantCulture));
    }
}
