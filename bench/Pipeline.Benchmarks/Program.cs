using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Pipeline.Benchmarks;
using Pipeline.Orchestrator.Grains.Diagnostics;
using Pipeline.Orchestrator.Hosting;
using Pipeline.TestServices;

// Usage: dotnet run -c Release --project bench/Pipeline.Benchmarks [-- operations [shard-samples [captions]]]
//    or: ... -- matcher [captions [entries]]   (the caption matcher alone)
//    or: ... -- match-command [captions [entries]]   (curate match end to end, one thread, beside a pyahocorasick script doing the same job)
//    or: ... -- crawl [images [concurrency]]   (image fetching and resizing alone)
//    or: ... -- fetch-command [images [concurrency [folder]]]   (crawl fetch end to end over web-like photos kept in folder for reruns, beside img2dataset's OpenCV resizer on the same files)
//    or: ... -- dedup [images [index-size [k]]]  (perceptual hashing and near-duplicate lookups alone)
//    or: ... -- queries [xml-megabytes [folder]]  (query counting over a generated multistream dump, kept in folder for reruns)
//    or: ... -- train [steps [samples]]  (CLIP training samples/s for tiny and small on the CPU, and the batch loader alone)
//    or: ... -- loader [samples]  (the batch loader alone for tiny and small, beside a plain decode of the same images; no training steps)
//    or: ... -- train-precision [model [batch [steps]]]  (one step's samples/s and peak memory in fp32/bf16, checkpointing off/on, each in its own process, beside PyTorch's step)
//    or: ... -- soak [steps]  (tiny-model training under forced collections and parallel libtorch work, against none)
//    or: ... -- extract [n ...]  (the campaign extract's spilling partition writer at each pool size n, against all in memory)
//    or: ... -- counters [n ...]  (a dashboard read of the entry fill at n entries, incremental against a full recount)
//    or: ... -- manifest [n ...]  (manifest commits into a store of n shards, segmented against whole-file rewrites)
//    or: ... -- shard [samples [runs]]  (shard write and read alone, beside raw disk and DuckDB writing and reading the same rows)
//    or: ... -- scale [n ...]  (every stage end to end at n candidates, each in its own process; HTTP fetch up to 10^5, a marked fetch bypass at every n)
//    or: ... -- scale-cluster [silos [n]]  (the same at n candidates in one process and on silos pipeline silo processes with Redis: same output?, work per silo)
static int[] Sizes(string[] args, int[] defaults) => args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture))] : defaults;

if (args.Length > 0 && args[0] == "scale-stage")
{
    Environment.ExitCode = await ScaleStageCommands.RunAsync(args);
    return;
}

if (args.Length > 0 && args[0] == "scale")
{
    try
    {
        await ScaleBenchmarks.RunAsync([.. Sizes(args, [100_000, 1_000_000, 10_000_000]).Select(n => (long)n)]);
    }
    catch (OperationCanceledException)
    {
        await Console.Error.WriteLineAsync("scale: interrupted; the running stage was stopped and the temporary folder removed");
        Environment.ExitCode = 130;
    }

    return;
}

if (args.Length > 0 && args[0] == "scale-cluster")
{
    await ScaleClusterBenchmarks.RunAsync(
        silos: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3,
        n: args.Length > 2 ? long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        CancellationToken.None);
    return;
}

if (args.Length > 0 && args[0] == "counters")
{
    CounterBenchmarks.Run(Sizes(args, [1_000, 500_000]));
    return;
}

if (args.Length > 0 && args[0] == "shard")
{
    using var shardTemp = new TemporaryFolder("bench-shard");
    await ShardBenchmarks.RunAsync(
        shardTemp,
        samples: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000,
        imageBytes: 24 * 1024,
        runs: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

if (args.Length > 0 && args[0] == "manifest")
{
    await ManifestBenchmarks.RunAsync(Sizes(args, [1_000, 2_000, 4_000, 40_000]));
    return;
}

if (args.Length > 0 && args[0] == "extract")
{
    await ExtractBenchmarks.RunAsync(Sizes(args, [100_000, 1_000_000, 3_000_000]));
    return;
}

if (args.Length > 0 && args[0] == "train-step")
{
    TrainPrecisionBenchmarks.RunStep(args);
    return;
}

if (args.Length > 0 && args[0] == "train-precision")
{
    await TrainPrecisionBenchmarks.RunAsync(
        model: args.Length > 1 ? args[1] : "small",
        batch: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32,
        steps: args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10,
        warmup: 2);
    return;
}

if (args.Length > 0 && args[0] == "soak")
{
    await SoakBenchmarks.RunAsync(steps: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
    return;
}

if (args.Length > 0 && args[0] == "train")
{
    await TrainBenchmarks.RunAsync(
        steps: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30,
        samples: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3_000);
    return;
}

if (args.Length > 0 && args[0] == "loader")
{
    await TrainBenchmarks.RunLoaderAsync(samples: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3_000);
    return;
}

if (args.Length > 0 && args[0] == "queries")
{
    await QueryBenchmarks.RunAsync(
        megabytes: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 220,
        folder: args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "pipeline-bench-queries"));
    return;
}

if (args.Length > 0 && args[0] == "dedup")
{
    DedupBenchmarks.Run(
        images: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000,
        indexSize: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000,
        maxDistance: args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 8);
    return;
}

if (args.Length > 0 && args[0] == "crawl")
{
    await CrawlerBenchmarks.RunAsync(
        images: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3000,
        concurrency: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 256);
    return;
}

if (args.Length > 0 && args[0] == "fetch-command")
{
    using var fetchTemp = new TemporaryFolder("bench-fetch-command");
    await FetchCommandBenchmarks.RunAsync(
        fetchTemp,
        images: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_500,
        concurrency: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64,
        photoFolder: args.Length > 3 ? args[3] : null);
    return;
}

if (args.Length > 0 && args[0] == "match-command")
{
    using var matchTemp = new TemporaryFolder("bench-match-command");
    await MatchCommandBenchmarks.RunAsync(
        matchTemp,
        captionCount: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600_000,
        entryCount: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 86_000);
    return;
}

if (args.Length > 0 && args[0] == "matcher")
{
    using var matcherTemp = new TemporaryFolder("bench-matcher");
    await MatcherBenchmarks.RunAsync(
        matcherTemp,
        entryCount: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500_000,
        captionCount: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    return;
}

var operations = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 500;
var shardSamples = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
using var temp = new TemporaryFolder("bench");
using var runFolder = RunFolder.Open(temp.Combine("run"), exclusive: true);
var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Logging:LogLevel:Orleans"] = "Error" })
    .Build();
var options = new PipelineOptions { RunDirectory = runFolder.Root, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
using var host = PipelineHosts.BuildSilo(configuration, options, runFolder, verbose: false);
await host.StartAsync();

var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Name);
var state = new GrainState<ProbeState>(new ProbeState { LastNote = new string('n', 200) });
var grainId = GrainId.Create("probe", "bench");
var payload = new byte[400];
Random.Shared.NextBytes(payload);
var rawPath = temp.Combine("raw.bin");

// Baseline for a durable write: the same-sized bytes written in place and fsynced (no temp file, no rename).
var rawWrite = await Measure.OpsPerSecondAsync(operations, async _ =>
{
    await using var file = new FileStream(rawPath, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
    await file.WriteAsync(payload);
    file.Flush(flushToDisk: true);
});
var storageWrite = await Measure.OpsPerSecondAsync(operations, async i =>
{
    state.State!.Touches = i;
    await storage.WriteStateAsync("probe", grainId, state);
});
Console.WriteLine(new BenchResult("file-grain-storage.write", operations, storageWrite, "raw write and fsync of the same bytes", rawWrite).ToJson());

var rawRead = await Measure.OpsPerSecondAsync(operations * 10, _ => File.ReadAllBytesAsync(rawPath));
var storageRead = await Measure.OpsPerSecondAsync(operations * 10, _ => storage.ReadStateAsync("probe", grainId, new GrainState<ProbeState>()));
Console.WriteLine(new BenchResult("file-grain-storage.read", operations * 10, storageRead, "File.ReadAllBytes of the same size", rawRead).ToJson());

// A stateful grain call that persists each change, against the storage write it is built on.
var probe = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IProbeGrain>("bench-calls");
var grainWrite = await Measure.OpsPerSecondAsync(operations, i => probe.Touch("bench"));
Console.WriteLine(new BenchResult("probe-grain.touch", operations, grainWrite, "file grain storage write alone", storageWrite).ToJson());

await host.StopAsync();

// Shards: 24 KB images, about what a 256-pixel JPEG weighs.
await ShardBenchmarks.RunAsync(temp, shardSamples, imageBytes: 24 * 1024);

// Captions against 500k entries, beside a plain scan and MetaCLIP's pyahocorasick matcher.
await CrawlerBenchmarks.RunAsync(images: 3000, concurrency: 256);
await MatcherBenchmarks.RunAsync(temp, entryCount: 500_000, captionCount: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
