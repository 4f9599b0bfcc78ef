using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// The end-to-end scale harness: a campaign's input at N candidates, then every stage from extract to the final
/// shards, each in its own child process (the real <c>pipeline</c> command where one exists, else this program's
/// hidden <c>scale-stage</c> mode calling the campaign's library operation), with wall time, time per item, CPU time,
/// peak resident memory, bytes left on disk and bytes sent to storage per stage and N; then, over the sizes, each
/// stage's growth exponents and the ratios of its largest N to the one before.
/// </summary>
/// <remarks>
/// <para>Held fixed across N: the entry list (WordNet's 87k synset names and the numbers 0-99, from <c>queries
/// build</c>) and the shape of the campaign. Scaled with N so every stage sees work in proportion to N: the balance
/// threshold t = N / 50,000 (a real campaign keeps t at 20,000, which at these N would cap almost nothing) and the
/// candidate partitions (one per 250,000 candidates, at least 4). Balance then keeps about 40% of the matched pairs,
/// near MetaCLIP's 400M of 1.6B.</para>
/// <para>Image bytes are skipped at every N, so that each stage's figures compare across N: filter, dedup, refill
/// and verify read the shards of <c>fetch-bypass</c> (marked as a bypass in its line), whose samples carry their
/// original sizes, a stored stand-in perceptual hash and a 600-byte placeholder instead of an image, so no stage
/// decodes pixels. Why: libvips costs about 2 ms of CPU per small image here (decode, resize, encode; and again for
/// dedup's hash), so the 0.4 N balanced pairs would take about 15 minutes per 10^5 candidates on two cores.</para>
/// <para>The real fetch (<c>crawl fetch</c> over HTTP, robots, politeness, decode, resize, encode) runs up to
/// <see cref="HttpFetchLimit"/> candidates, against a loopback web of generated PNGs served by this process
/// (<see cref="ScaleWeb"/>; its CPU time is <c>server_cpu_s</c>, on the same two cores); its line notes whether the
/// bypass wrote the same samples per chunk. Above the limit its line says it was skipped.</para>
/// <para>Not measured: grain calls and grain-storage operations per item. These commands run without a silo (no
/// <c>--cluster</c>), so the control plane is not on their path; a campaign's would need counters in the silo.</para>
/// </remarks>
internal static class ScaleBenchmarks
{
    /// <summary>Largest N whose balanced pairs are also fetched over HTTP (about 330 images/s here: 10^6's 0.4 million pairs would take 20 minutes).</summary>
    public const long HttpFetchLimit = 100_000;

    private const long CandidatesPerThreshold = 50_000;
    private const long CandidatesPerPartition = 250_000;
    private const int SpillAfter = 200_000;
    private const int ImageSize = 128;
    private const int FetchChunk = 5_000;
    private const ulong Seed = 0;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task RunAsync(IReadOnlyList<long> sizes)
    {
        // Ctrl+C or SIGTERM kills the running stage and unwinds, so the temporary folder (gigabytes at 10^7) is removed.
        // Without this, the loopback server's host would take the signal and stop only itself.
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var cancellationToken = stop.Token;
        using var root = new TemporaryFolder("bench-scale");
        var entriesPath = root.Combine("entries.parquet");
        var queries = await ChildProcessMeter.RunAsync("queries", [.. PipelineCommand(), "queries", "build", "--out", entriesPath], root.Path, ChildEnvironment, cancellationToken);
        if (queries.ExitCode != 0)
        {
            throw new InvalidOperationException($"queries build failed ({queries.ExitCode}); is WordNet installed (/usr/share/wordnet)?");
        }

        var entries = await EntryListFile.LoadAsync(entriesPath, cancellationToken);
        await using var web = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/i/{id:long}.png", (long id) => ScaleWeb.Respond(id) is var r && r.Status == 200 ? Results.Bytes(r.Body, r.ContentType) : Results.StatusCode(r.Status));
        });
        var input = new ScaleInput(entries, Seed, web.BaseUri);
        var measured = new List<ScaleMeasurement>();
        foreach (var n in sizes)
        {
            var folder = root.Combine($"n{n}");
            Directory.CreateDirectory(folder);
            try
            {
                await RunSizeAsync(n, folder, entriesPath, input, measured, ScaleRunMode.OneProcess, cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        foreach (var stage in measured.Select(m => m.Stage).Distinct())
        {
            var points = measured.Where(m => m.Stage == stage).OrderBy(m => m.N).ToList();
            if (points.Count < 2)
            {
                continue;
            }

            var (last, previous) = (points[^1], points[^2]);
            var timeRatio = Math.Round(last.MicrosecondsPerItem / previous.MicrosecondsPerItem, 3);
            var rssRatio = Math.Round(last.PeakRssBytes / (double)previous.PeakRssBytes, 3);
            Console.WriteLine(JsonSerializer.Serialize(
                new
                {
                    bench = "scale-growth",
                    stage,
                    sizes = points.Select(p => p.N).ToArray(),
                    us_per_item_exponent = Growth.Exponent(points.Select(p => ((double)p.N, p.MicrosecondsPerItem))),
                    peak_rss_exponent = Growth.Exponent(points.Select(p => ((double)p.N, (double)p.PeakRssBytes))),
                    wall_exponent = Growth.Exponent(points.Select(p => ((double)p.N, p.WallSeconds))),
                    us_per_item_ratio_to_previous = timeRatio,
                    peak_rss_ratio_to_previous = rssRatio,
                    within_criterion = rssRatio <= 1.5 && timeRatio <= 1.3,
                    criterion = "at the largest N against the one before: peak RSS within 1.5x, time per item within 1.3x",
                },
                Json));
        }
    }

    /// <summary>Every stage at <paramref name="n"/> candidates into <paramref name="folder"/>, as <paramref name="mode"/> says (one process, or the commands as clients of a cluster).</summary>
    internal static async Task RunSizeAsync(long n, string folder, string entriesPath, ScaleInput input, List<ScaleMeasurement> measured, ScaleRunMode mode, CancellationToken cancellationToken)
    {
        var threshold = Math.Max(1, n / CandidatesPerThreshold);
        var partitions = (int)Math.Max(4, n / CandidatesPerPartition);
        var list = Path.Combine(folder, "pool.jsonl");
        var clock = Stopwatch.StartNew();
        var listBytes = await input.WriteAsync(list, n, cancellationToken);
        await Console.Error.WriteLineAsync($"scale: n={n:N0}: generated {listBytes / 1048576.0:N1} MB of candidates in {clock.Elapsed.TotalSeconds:N1} s; t = {threshold}, {partitions} partitions");

        var campaign = Path.Combine(folder, "campaign");
        var extract = await StageAsync(measured, mode, "extract", n, "candidates", n, self: true,
            [.. SelfCommand(), "scale-stage", "extract", list, campaign, partitions.ToString(CultureInfo.InvariantCulture), SpillAfter.ToString(CultureInfo.InvariantCulture)],
            folder, Path.Combine(campaign, "candidates"), run => Number(run.Output, "distinct"), extra: () => new { partitions, spill_after = SpillAfter }, cancellationToken: cancellationToken);
        if (extract is null)
        {
            return;
        }

        var matched = Path.Combine(folder, "matched");
        var match = await StageAsync(measured, mode, "match", n, "candidates", extract.Value, self: false,
            [.. PipelineCommand(), "curate", "match", Path.Combine(campaign, "candidates"), "--entries", entriesPath, "--out", matched, .. mode.ClusterArgs],
            folder, matched, _ => FileNumber(Path.Combine(matched, "match-summary.json"), "matched"), cancellationToken: cancellationToken);
        if (match is null)
        {
            return;
        }

        var balanced = Path.Combine(folder, "balanced");
        var balance = await StageAsync(measured, mode, "balance", n, "matched pairs", match.Value, self: false,
            [.. PipelineCommand(), "curate", "balance", "--matches", matched, "--out", balanced, "-t", threshold.ToString(CultureInfo.InvariantCulture), "--seed", "0", .. mode.ClusterArgs],
            folder, balanced, _ => FileNumber(Path.Combine(balanced, "datacard.json"), "pairs_kept") + FileNumber(Path.Combine(balanced, "datacard.json"), "pairs_reserve"), extra: () => new { t = threshold }, cancellationToken: cancellationToken);
        if (balance is null)
        {
            return;
        }

        var balancedList = Path.Combine(balanced, "balanced.parquet");
        var bypassed = Path.Combine(folder, "fetched-bypass");
        var bypass = await StageAsync(measured, mode, "fetch-bypass", n, "balanced pairs", balance.Value, self: true,
            [.. SelfCommand(), "scale-stage", "fetch-bypass", balancedList, bypassed, ImageSize.ToString(CultureInfo.InvariantCulture), FetchChunk.ToString(CultureInfo.InvariantCulture)],
            folder, bypassed, _ => SamplesIn(bypassed),
            extra: () => new { bypass = "BYPASS of fetch, no image bytes: no HTTP, decode or resize; each pair's outcome, original size and a stand-in perceptual hash from the generator, a 600-byte placeholder as its image" }, cancellationToken: cancellationToken);
        if (bypass is null)
        {
            return;
        }

        if (mode.HttpFetch && n <= HttpFetchLimit)
        {
            var fetched = Path.Combine(folder, "fetched");
            var serverCpu = Process.GetCurrentProcess().TotalProcessorTime;
            await StageAsync(measured, mode, "fetch", n, "balanced pairs", balance.Value, self: false,
                [.. PipelineCommand(), "crawl", "fetch", balancedList, "--out", fetched, "--allow-loopback", "--rate-per-host", "0", "--size", ImageSize.ToString(CultureInfo.InvariantCulture), "--chunk", FetchChunk.ToString(CultureInfo.InvariantCulture)],
                folder, fetched, _ => SamplesIn(fetched),
                extra: () => new
                {
                    server_cpu_s = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - serverCpu).TotalSeconds, 2),
                    same_samples_per_chunk_as_bypass = SampleCounts(bypassed).SequenceEqual(SampleCounts(fetched)),
                }, cancellationToken: cancellationToken);
        }
        else
        {
            Console.WriteLine(JsonSerializer.Serialize(new { bench = "scale", stage = "fetch" + mode.Suffix, n, skipped = mode.HttpFetch ? $"HTTP fetch above N = {HttpFetchLimit:N0} (about 330 images/s on these two cores); fetch-bypass stands in" : "HTTP fetch not run in this mode; fetch-bypass stands in" }, Json));
        }

        var filtered = Path.Combine(folder, "filtered");
        var filter = await StageAsync(measured, mode, "filter", n, "samples", bypass.Value, self: false,
            [.. PipelineCommand(), "curate", "filter", bypassed, "--out", filtered, .. mode.ClusterArgs], folder, filtered, _ => SamplesIn(filtered), cancellationToken: cancellationToken);
        if (filter is null)
        {
            return;
        }

        var deduped = Path.Combine(folder, "deduped");
        var dedup = await StageAsync(measured, mode, "dedup", n, "samples", filter.Value, self: false,
            [.. PipelineCommand(), "curate", "dedup", filtered, "--out", deduped, .. mode.ClusterArgs], folder, deduped, _ => SamplesIn(deduped), cancellationToken: cancellationToken);
        if (dedup is null)
        {
            return;
        }

        var final = Path.Combine(folder, "final");
        var refill = await StageAsync(measured, mode, "refill", n, "samples", dedup.Value, self: false,
            [.. PipelineCommand(), "curate", "refill", deduped, "--matches", matched, "--out", final, "-t", threshold.ToString(CultureInfo.InvariantCulture), "--seed", "0", .. mode.ClusterArgs], folder, final, _ => SamplesIn(final), extra: () => new { t = threshold }, cancellationToken: cancellationToken);
        if (refill is null)
        {
            return;
        }

        await StageAsync(measured, mode, "verify", n, "samples", refill.Value, self: false,
            [.. PipelineCommand(), "shard", "verify", final, "--json"], folder, final, _ => refill.Value, countOutput: false, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Runs one stage as a child, prints its JSON line and records it; returns what it produced (the next stage's
    /// items), or null when it failed (its line then carries the exit code, and the stages after it do not run).
    /// </summary>
    private static async Task<long?> StageAsync(
        List<ScaleMeasurement> measured, ScaleRunMode mode, string stage, long n, string item, long items, bool self, IReadOnlyList<string> command, string workingDirectory,
        string output, Func<ChildRun, long> produced, Func<object>? extra = null, bool countOutput = true, CancellationToken cancellationToken = default)
    {
        stage += mode.Suffix;
        var environment = new Dictionary<string, string>(ChildEnvironment);
        foreach (var (key, value) in mode.Environment)
        {
            environment[key] = value;
        }

        var run = await ChildProcessMeter.RunAsync(stage, command, workingDirectory, environment, cancellationToken);
        var ok = run.ExitCode == 0;
        long? made = ok ? produced(run) : null;
        var line = new Dictionary<string, object?>
        {
            ["bench"] = "scale",
            ["stage"] = stage,
            ["n"] = n,
            ["items"] = items,
            ["item"] = item,
            ["produced"] = made,
            ["runner"] = self ? $"self: scale-stage {stage}" : $"cli: pipeline {string.Join(' ', command.Skip(PipelineCommand().Count).Take(2))}",
            ["wall_s"] = Math.Round(run.WallSeconds, 2),
            ["us_per_item"] = items > 0 ? Math.Round(run.WallSeconds * 1e6 / items, 2) : null,
            ["cpu_s"] = Math.Round(run.CpuSeconds, 2),
            ["peak_rss_mb"] = Math.Round(run.PeakRssBytes / 1048576.0, 1),
            ["bytes_written"] = countOutput ? FolderBytes(output) : 0,
            ["io_write_mb"] = Math.Round(run.IoWriteBytes / 1048576.0, 1),
            ["exit_code"] = ok ? null : run.ExitCode,
            ["load_1m"] = LoadAverage(),
        };
        if (extra?.Invoke() is { } more)
        {
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
            {
                line[property.Name] = property.Value;
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(line, Json));
        if (ok && items > 0)
        {
            measured.Add(new ScaleMeasurement(stage, n, items, run.WallSeconds, run.PeakRssBytes));
        }

        return made;
    }

    /// <summary>The 1-minute load average when the stage ended: above 2 on these two cores, other work competed with it for the CPU and its wall time is inflated.</summary>
    private static double? LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture, out var load) ? load : null;

    /// <summary>Quiet children: warnings and errors only, progress lines still on standard error.</summary>
    internal static Dictionary<string, string> ChildEnvironment => new() { ["PIPELINE_Logging__LogLevel__Default"] = "Warning" };

    /// <summary>The <c>pipeline</c> program the benchmark's build copies beside it (the Orchestrator's apphost).</summary>
    internal static List<string> PipelineCommand()
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "pipeline");
        return File.Exists(apphost) ? [apphost] : ["dotnet", Path.Combine(AppContext.BaseDirectory, "pipeline.dll")];
    }

    /// <summary>This program again, for its hidden child modes (<c>scale-stage</c>, <c>train-step</c>).</summary>
    internal static List<string> SelfCommand()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, typeof(ScaleBenchmarks).Assembly.Location] : [path];
    }

    internal static long SamplesIn(string store) => SampleCounts(store).Sum();

    private static long[] SampleCounts(string store) =>
        Directory.Exists(store) ? [.. new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None).GetAwaiter().GetResult().Shards.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Samples)] : [];

    private static long FolderBytes(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>A number in the last JSON line a <c>scale-stage</c> child printed.</summary>
    private static long Number(string output, string name)
    {
        using var json = JsonDocument.Parse(output.Split('\n').Last(l => l.TrimStart().StartsWith('{')));
        return json.RootElement.GetProperty(name).GetInt64();
    }

    private static long FileNumber(string path, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        return json.RootElement.GetProperty(name).GetInt64();
    }
}
