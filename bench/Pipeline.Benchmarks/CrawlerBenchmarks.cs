using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NetVips;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.TestServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// End-to-end image fetching from a Kestrel server on 127.0.0.1 serving a 1024x768 photo-like JPEG under distinct
/// URLs: our downloader (safe connect, robots, Polly pipeline, sniff, header check, 256 centre crop, JPEG encode)
/// at 256 downloads in flight, beside the same run's plain HttpClient GET loop at the same concurrency and plain
/// NetVips thumbnailing of the same bytes on every core; and the process's peak working set during our run.
/// The server runs in the same process, so per-core figures are per core of the whole machine, server included.
/// </summary>
internal static class CrawlerBenchmarks
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int images, int concurrency)
    {
        var jpeg = PhotoLikeJpeg(1024, 768);
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/img/{n:int}.jpg", (int n) => Results.Bytes(jpeg, "image/jpeg"));
        });
        var cores = Environment.ProcessorCount;

        // Baseline 1: a plain GET loop.
        using var plainClient = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        var plain = await RateAsync(images, concurrency, async (i, ct) => _ = await plainClient.GetByteArrayAsync(server.Url($"/img/{i}.jpg"), ct));

        // Baseline 2: plain NetVips thumbnailing of the same bytes, on every core.
        var thumbnails = await RateAsync(images, cores, (_, _) =>
        {
            using var thumbnail = Image.ThumbnailBuffer(jpeg, 256, height: 256, crop: Enums.Interesting.Centre);
            _ = thumbnail.JpegsaveBuffer(q: 95);
            return ValueTask.CompletedTask;
        });

        // Ours, with the peak working set sampled while it runs.
        var fetcherOptions = new FetcherOptions { RequestsPerSecondPerHost = 0, MaxConnectionsPerHost = concurrency };
        using var fetcher = new HttpFetcher(fetcherOptions, new NetworkSafetyOptions { AllowLoopback = true });
        using var downloader = new ImageDownloader(fetcher, new ImageProcessor(new ImageOptions { Size = 256, ResizeMode = ResizeMode.CenterCrop }), cores);
        var failures = 0;
        GC.Collect();
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                await Task.Delay(20);
            }
        });
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var ours = await RateAsync(images, concurrency, async (i, ct) =>
        {
            var result = await downloader.DownloadAsync(server.Url($"/img/{i + 1_000_000}.jpg").AbsoluteUri, ct);
            if (!result.Succeeded)
            {
                Interlocked.Increment(ref failures);
            }
        });
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        await sampling.CancelAsync();
        await sampler;

        Console.WriteLine(new BenchResult($"crawl.fetch_resize_images_per_s (c={concurrency})", images, ours, "plain HttpClient GET loop, same concurrency", plain).ToJson());
        Console.WriteLine(new BenchResult($"crawl.fetch_resize_images_per_s (c={concurrency})", images, ours, $"plain NetVips thumbnail 256 centre crop + JPEG encode on {cores} cores", thumbnails).ToJson());
        Console.WriteLine(JsonSerializer.Serialize(
            new
            {
                bench = "crawl.fetch_resize_per_core",
                images,
                source_bytes = jpeg.Length,
                cores,
                images_per_s_per_core = Math.Round(ours / cores, 1),
                images_per_cpu_second = Math.Round(images / cpu, 1),
                img2dataset_images_per_s_per_core = 100,
                ratio_to_img2dataset = Math.Round(ours / cores / 100, 2),
                failures,
                peak_working_set_mb = Math.Round(peak / 1048576.0, 1),
                working_set_before_mb = Math.Round(baseline / 1048576.0, 1),
            },
            Json));
    }

    private static async Task<double> RateAsync(int count, int concurrency, Func<int, CancellationToken, ValueTask> operation)
    {
        await Parallel.ForEachAsync(Enumerable.Range(-Math.Min(50, count), Math.Min(50, count)), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, operation);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, operation);
        return Math.Round(count / clock.Elapsed.TotalSeconds, 1);
    }

    /// <summary>A gradient with Gaussian noise: it compresses like a photograph (hundreds of KB at 1024x768), unlike a plain gradient.</summary>
    private static byte[] PhotoLikeJpeg(int width, int height)
    {
        using var gradient = Image.NewFromBuffer(TestPattern.GradientJpeg(width, height));
        using var noise = Image.Gaussnoise(width, height, sigma: 10);
        using var noisy = gradient + noise;
        using var clipped = noisy.Cast(Enums.BandFormat.Uchar);
        using var srgb = clipped.Copy(interpretation: Enums.Interpretation.Srgb);
        return srgb.JpegsaveBuffer(q: 90);
    }
}
