using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// <c>pipeline crawl fetch --size 256 --resize-mode center_crop</c> as a user runs it (its own process: a JSON-lines
/// URL list in, downloads from a loopback web of web-like photos, validation, resize, JPEG encode, SHA-256, Parquet
/// shards and status logs out) beside img2dataset's resizer path in OpenCV (decode, INTER_AREA, centre crop, JPEG
/// 95, one thread) on the same files in the same run, each in images per CPU-second of its own process. The server
/// runs in this process, so neither side pays for serving; only ours pays for downloading. A second run of ours at
/// 256 downloads in flight reports the peak resident memory.
/// </summary>
internal static class FetchCommandBenchmarks
{
    private const int Size = 256;

    /// <summary>Runs the benchmark; photos are generated into <paramref name="photoFolder"/> (kept for reruns) or a temporary one.</summary>
    public static async Task RunAsync(TemporaryFolder temp, int images, int concurrency, string? photoFolder)
    {
        photoFolder ??= temp.Combine("photos");
        var photos = WebPhotoSet.Write(photoFolder, images, seed: 7);
        var bytes = photos.Select(File.ReadAllBytes).ToArray();
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/photos/{n:int}.jpg", (int n) => n >= 0 && n < bytes.Length ? Results.Bytes(bytes[n], "image/jpeg") : Results.NotFound());
        });
        var list = temp.Combine("list.jsonl");
        await File.WriteAllLinesAsync(list, Enumerable.Range(0, images).Select(i => JsonSerializer.Serialize(new { url = server.Url($"/photos/{i}.jpg").AbsoluteUri, caption = $"photo {i}" })));

        var environment = ScaleBenchmarks.ChildEnvironment;
        var runs = new List<(int Concurrency, ChildRun Run, long Fetched)>();
        foreach (var inFlight in new[] { concurrency, 256 }.Distinct())
        {
            var output = temp.Combine($"fetched-{inFlight}");
            var run = await ChildProcessMeter.RunAsync(
                $"crawl fetch c={inFlight}",
                [.. ScaleBenchmarks.PipelineCommand(), "crawl", "fetch", list, "--out", output, "--allow-loopback", "--rate-per-host", "0",
                    "--size", Size.ToString(CultureInfo.InvariantCulture), "--resize-mode", "center_crop", "--concurrency", inFlight.ToString(CultureInfo.InvariantCulture)],
                temp.Path, environment, CancellationToken.None);
            run.EnsureSucceeded("crawl fetch");
            runs.Add((inFlight, run, ScaleBenchmarks.SamplesIn(output)));
        }

        var theirs = await ChildProcessMeter.RunAsync(
            "opencv", ["/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "img2dataset_resize.py"), Size.ToString(CultureInfo.InvariantCulture), photoFolder, images.ToString(CultureInfo.InvariantCulture)],
            temp.Path, environment, CancellationToken.None);
        theirs.EnsureSucceeded("img2dataset's OpenCV resizer (is python3-opencv installed? infra/setup.sh installs it)");
        using var peer = JsonDocument.Parse(theirs.Output.Trim().Split('\n')[^1]);
        var peerImages = peer.RootElement.GetProperty("images").GetInt64();

        var (_, ours, fetched) = runs[0];
        Console.WriteLine(new BenchResult(
            $"crawl.fetch_command_images_per_cpu_second (c={concurrency}, {Size} centre crop)", images, Math.Round(fetched / ours.CpuSeconds, 1),
            "img2dataset's resizer in OpenCV on the same files: imdecode, INTER_AREA, centre crop, JPEG 95, one thread, no download", Math.Round(peerImages / theirs.CpuSeconds, 1)).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "crawl.fetch_command_detail",
            images,
            source_mb = Math.Round(bytes.Sum(b => (long)b.Length) / 1048576.0, 1),
            runs = runs.Select(r => new
            {
                concurrency = r.Concurrency,
                fetched = r.Fetched,
                cpu_s = Math.Round(r.Run.CpuSeconds, 2),
                wall_s = Math.Round(r.Run.WallSeconds, 2),
                peak_rss_mb = Math.Round(r.Run.PeakRssBytes / 1048576.0, 1),
            }),
            peer_images = peerImages,
            peer_cpu_s = Math.Round(theirs.CpuSeconds, 2),
            peer_peak_rss_mb = Math.Round(theirs.PeakRssBytes / 1048576.0, 1),
            load_average = File.ReadAllText("/proc/loadavg").Split(' ')[0],
        }));
    }
}
