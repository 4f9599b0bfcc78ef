using System.IO.Compression;
using System.Text.Json;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Curation.Jobs;

/// <summary>
/// Runs one step over one input shard: each row group is decided, kept samples go to an output shard of the
/// same name, dropped ones to <c>{step}/dropped/{shard}.jsonl.gz</c>, and a record <c>{step}/done/{shard}.json</c>
/// is written last. A shard with a record is never redone, and a shard redone after a crash commits under the
/// same name, which the manifest takes once, so a rerun neither loses nor duplicates samples.
/// </summary>
public static class ShardRewriter
{
    /// <summary>Decides one row group; <c>firstRow</c> is the shard row of its first sample.</summary>
    public delegate Task<SampleOutcome[]> Decide(Sample[] samples, int firstRow, CancellationToken cancellationToken);

    /// <summary>Rewrites shard <paramref name="shard"/> of <paramref name="input"/> into <paramref name="output"/>.</summary>
    /// <param name="input">The input store.</param>
    /// <param name="output">The output store.</param>
    /// <param name="step">The step's name: the folder of its logs and records.</param>
    /// <param name="shard">The input shard's name.</param>
    /// <param name="writeShard">False to only decide and log (nothing is written but the logs).</param>
    /// <param name="format">The output shard's file format.</param>
    /// <param name="decide">The step's decision.</param>
    /// <param name="beforeDone">Writes the step's own files before the done record.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    public static Task<WorkItemResult> RewriteAsync(
        IShardStore input, IShardStore output, string step, string shard, bool writeShard, ShardFormat format, Decide decide,
        Func<CancellationToken, Task>? beforeDone, CancellationToken cancellationToken) =>
        RewriteAsync(input, output, step, shard, writeShard, format, inPlace: false, decide, beforeDone, cancellationToken);

    /// <summary>
    /// Rewrites shard <paramref name="shard"/> of <paramref name="store"/> in place, in its own format: the kept samples form a
    /// shard of the same name that replaces it in the manifest (empty when nothing is kept; see <see cref="ShardWriter.Replaces"/>),
    /// with the step's dropped log and done record in the same store. A shard changed by someone else meanwhile is kept as it is.
    /// </summary>
    public static Task<WorkItemResult> RewriteInPlaceAsync(
        IShardStore store, string step, string shard, Decide decide, Func<CancellationToken, Task>? beforeDone, CancellationToken cancellationToken) =>
        RewriteAsync(store, store, step, shard, writeShard: true, format: null, inPlace: true, decide, beforeDone, cancellationToken);

    private static async Task<WorkItemResult> RewriteAsync(
        IShardStore input, IShardStore output, string step, string shard, bool writeShard, ShardFormat? format, bool inPlace, Decide decide,
        Func<CancellationToken, Task>? beforeDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(decide);
        var donePath = $"{step}/done/{shard}.json";
        if (await StoreFile.ReadJsonAsync<WorkItemResult>(output, donePath, cancellationToken) is { } done)
        {
            return done with { Resumed = true };
        }

        await using var source = await InputShard.OpenAsync(input, shard, cancellationToken);
        var naming = ShardWriterOptions.KeepingName(shard);
        if (inPlace && naming.ShardName(naming.FirstIndex) != shard)
        {
            throw new InvalidDataException($"shard '{shard}' of {input.Describe(ManifestStore.ManifestPath)} is not named PREFIX-NNNNN: a rewrite in place would commit it under another name");
        }

        await using var writer = writeShard
            ? new ShardWriter(output, naming with { Encoding = source.Encoding, Format = format ?? source.Entry.FileFormat })
            {
                Replaces = inPlace ? source.Entry.Sha256 : null,
            }
            : null;
        var dropped = new List<DroppedLine>();
        long read = 0, kept = 0;
        await foreach (var (samples, firstRow) in source.RowGroupsAsync(cancellationToken))
        {
            var outcomes = await decide(samples, firstRow, cancellationToken);
            for (var i = 0; i < samples.Length; i++)
            {
                if (outcomes[i].Kept is { } sample)
                {
                    kept++;
                    if (writer is not null)
                    {
                        await writer.WriteAsync(sample, cancellationToken);
                    }
                }
                else
                {
                    var o = outcomes[i];
                    dropped.Add(new DroppedLine(samples[i].Key, samples[i].Url, samples[i].Caption, o.Reason!, o.Detail, o.DuplicateOf, o.Distance));
                }
            }

            read += samples.Length;
        }

        await StoreFile.WriteAsync(output, $"{step}/dropped/{shard}.jsonl.gz", async (stream, ct) =>
        {
            await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            foreach (var line in dropped)
            {
                await JsonSerializer.SerializeAsync(gzip, line, Compact, ct);
                gzip.WriteByte((byte)'\n');
            }
        }, cancellationToken);

        if (writer is not null)
        {
            await writer.CompleteAsync(cancellationToken);
        }

        if (beforeDone is not null)
        {
            await beforeDone(cancellationToken);
        }

        var result = new WorkItemResult(shard, read, kept, dropped.GroupBy(d => d.Reason).ToDictionary(g => g.Key, g => (long)g.LongCount(), StringComparer.Ordinal));
        await StoreFile.WriteJsonAsync(output, donePath, result, cancellationToken);
        return result;
    }

    private static readonly JsonSerializerOptions Compact = new(StoreFile.Json) { WriteIndented = false };
}
