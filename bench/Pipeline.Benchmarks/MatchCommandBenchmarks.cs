using System.Text.Json;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// <c>pipeline curate match</c> end to end as a user runs it (one thread, its own process: JSON-lines pool in, Parquet
/// pairs and counts out) beside MetaCLIP's matcher in a script doing the same job (read the JSON lines, spacing,
/// pyahocorasick, write the matched lines) on the same files in the same run, each measured in captions per CPU-second.
/// </summary>
internal static class MatchCommandBenchmarks
{
    public static async Task RunAsync(TemporaryFolder temp, int captionCount, int entryCount)
    {
        var (entries, vocabulary) = await MatcherBenchmarks.MakeEntriesAsync(entryCount);
        var captions = MatcherBenchmarks.MakeCaptions(vocabulary, captionCount);
        var entriesPath = temp.Combine("entries.json");
        var pool = temp.Combine("pool.jsonl");
        await File.WriteAllTextAsync(entriesPath, JsonSerializer.Serialize(entries));
        await using (var writer = new StreamWriter(pool))
        {
            for (var i = 0; i < captions.Length; i++)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { key = $"{i:x16}", url = $"https://img{i % 997}.example.com/photos/{i}.jpg", caption = captions[i], page_url = $"https://site{i % 997}.example.com/page/{i / 10}" }));
            }
        }

        var environment = ScaleBenchmarks.ChildEnvironment;
        var ours = await ChildProcessMeter.RunAsync(
            "curate match", [.. ScaleBenchmarks.PipelineCommand(), "curate", "match", pool, "--entries", entriesPath, "--out", temp.Combine("matched"), "--threads", "1"], temp.Path, environment, CancellationToken.None);
        ours.EnsureSucceeded("curate match");
        var theirs = await ChildProcessMeter.RunAsync(
            "pyahocorasick", ["/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "metaclip_match_jsonl.py"), entriesPath, pool, temp.Combine("theirs.jsonl")], temp.Path, environment, CancellationToken.None);
        theirs.EnsureSucceeded("MetaCLIP's matcher (is python3-ahocorasick installed? infra/setup.sh installs it)");

        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("matched"), "match-summary.json")));
        var matched = summary.RootElement.GetProperty("matched").GetInt64();
        var theirMatched = File.ReadLines(temp.Combine("theirs.jsonl")).LongCount();
        Console.WriteLine(new BenchResult(
            "match.command_captions_per_cpu_second", captions.Length, Math.Round(captions.Length / ours.CpuSeconds, 1),
            "a Python script: JSON lines, MetaCLIP's spacing, pyahocorasick, matched lines out", Math.Round(captions.Length / theirs.CpuSeconds, 1)).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "match.command_detail",
            captions = captions.Length,
            entries = entries.Count,
            matched,
            peer_matched = theirMatched,
            same_matched_count = matched == theirMatched,
            cpu_s = Math.Round(ours.CpuSeconds, 2),
            wall_s = Math.Round(ours.WallSeconds, 2),
            peak_rss_mb = Math.Round(ours.PeakRssBytes / 1048576.0, 1),
            peer_cpu_s = Math.Round(theirs.CpuSeconds, 2),
            peer_peak_rss_mb = Math.Round(theirs.PeakRssBytes / 1048576.0, 1),
        }));
    }
}
