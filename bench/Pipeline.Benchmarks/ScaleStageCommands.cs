using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Crawler.Stages;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Benchmarks;

/// <summary>
/// The hidden <c>scale-stage</c> modes: stages that have no <c>pipeline</c> command, run in a child process of the
/// harness so their memory is measured alone. Each prints one JSON line with what it did on standard output.
/// </summary>
internal static class ScaleStageCommands
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["scale-stage", "extract", var list, var output, var partitions, var spillAfter]:
                return await ExtractAsync(list, output, int.Parse(partitions, CultureInfo.InvariantCulture), int.Parse(spillAfter, CultureInfo.InvariantCulture));
            case ["scale-stage", "fetch-bypass", var list, var output, var size, var chunk]:
                return await FetchBypassAsync(list, output, int.Parse(size, CultureInfo.InvariantCulture), int.Parse(chunk, CultureInfo.InvariantCulture));
            default:
                await Console.Error.WriteLineAsync("usage: scale-stage extract LIST OUTPUT PARTITIONS SPILL_AFTER | scale-stage fetch-bypass LIST OUTPUT SIZE CHUNK");
                return 2;
        }
    }

    /// <summary>
    /// The campaign's extract of candidate files (there is no command for it: <c>crawl extract</c> reads WARC files and
    /// live pages): the campaign's own <see cref="CampaignStageRunner.ExtractAsync"/> over a spec naming the list,
    /// cutting it into partitions by key through the spilling partition writer.
    /// </summary>
    private static async Task<int> ExtractAsync(string list, string output, int partitions, int spillAfter)
    {
        var spec = new CampaignSpec
        {
            Name = "scale",
            Output = output,
            Sources = new CampaignSources { Candidates = [list], Partitions = partitions, SpillAfter = spillAfter },
        };
        using var runner = new CampaignStageRunner(spec, new ShardStoreOptions(), NullLoggerFactory.Instance);
        var progress = new Progress<StageProgress>(p => Console.Error.WriteLine($"extract: {p.Message}"));
        var distinct = await runner.ExtractAsync(progress, CancellationToken.None);
        Console.WriteLine(JsonSerializer.Serialize(new { distinct, folder = runner.Paths.Candidates }));
        return 0;
    }

    /// <summary>
    /// FETCH BYPASS, not the fetch stage, and no image bytes: no HTTP, robots, politeness, status logs, decoding or
    /// resizing. Each URL's outcome comes from the generator (<see cref="ScaleWeb.Describe"/>, what the loopback server
    /// would send): dead links and pages are left out as <c>crawl fetch</c> leaves them out, and an image becomes a
    /// sample with its original size, the resized size <c>crawl fetch --size</c> gives (border mode pads to a square),
    /// a stored stand-in perceptual hash (so dedup decodes nothing) and, as its image, a 600-byte placeholder that is
    /// not an image (equal for exact copies). Written with lineage in the chunks and shard names <c>crawl fetch</c>
    /// uses, so filter, dedup and refill take the same decisions over it as over fetched images.
    /// </summary>
    private static async Task<int> FetchBypassAsync(string list, string output, int size, int chunk)
    {
        var store = ShardStoreLocation.Open(output, new ShardStoreOptions());
        var stem = Path.GetFileNameWithoutExtension(list);
        long attempted = 0, succeeded = 0;
        var index = 0;
        await foreach (var batch in UrlListFile.ReadAsync(list, new UrlListColumns(), p => throw new InvalidDataException(p.ToString()), CancellationToken.None).Chunk(chunk))
        {
            var fetchTime = DateTimeOffset.UtcNow;
            var name = $"{stem}-{index++:D5}";
            var images = batch.Select(r => ScaleWeb.IdOf(r.Url) is { } id && ScaleWeb.Describe(id) is { Status: 200, IsImage: true } image ? image : null).ToArray();
            if (images.Any(i => i is not null))
            {
                await using var shards = new ShardWriter(store, new ShardWriterOptions { NamePrefix = name, TargetSamples = int.MaxValue, TargetBytes = long.MaxValue });
                for (var i = 0; i < batch.Length; i++)
                {
                    if (images[i] is not { } image)
                    {
                        continue;
                    }

                    var bytes = Placeholder(image);
                    await shards.WriteAsync(
                        FetchStage.SampleOf(batch[i], fetchTime, size, size, image.Width, image.Height, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes) with
                        {
                            PerceptualHash = ScaleWeb.PerceptualHashOf(image),
                        },
                        CancellationToken.None);
                    succeeded++;
                }

                await shards.CompleteAsync(CancellationToken.None);
            }

            attempted += batch.Length;
            Console.Error.WriteLine($"fetch-bypass: chunk {name}: {images.Count(i => i is not null):N0} of {batch.Length:N0} samples; {attempted:N0} done");
        }

        Console.WriteLine(JsonSerializer.Serialize(new { attempted, succeeded }));
        return 0;
    }

    /// <summary>600 bytes standing in for an image: a label, then bytes from the grid and size, so only copies share them (the filter wants at least 500).</summary>
    private static byte[] Placeholder(ScaleImage image)
    {
        var bytes = new byte[600];
        var label = Encoding.ASCII.GetBytes($"scale-bypass placeholder, not an image: grid {image.Grid} {image.Width}x{image.Height}\n");
        label.CopyTo(bytes, 0);
        var random = new SplitMix64(SplitMix64.Mix((ulong)image.Grid, (ulong)image.Width, (ulong)image.Height));
        for (var i = label.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)random.Next(256);
        }

        return bytes;
    }
}
