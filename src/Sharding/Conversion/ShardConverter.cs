using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Sharding.Conversion;

/// <summary>
/// Rewrites every committed shard of a store into another store in a given <see cref="ShardFormat"/> (Parquet to
/// webdataset or back): one output shard per input shard, under the same name, with the same row groups, committed
/// through the normal <see cref="ShardWriter"/> protocol. A shard the output manifest already lists is skipped, so
/// an interrupted conversion resumes where it stopped.
/// </summary>
public static class ShardConverter
{
    /// <summary>Converts <paramref name="input"/> into <paramref name="output"/>; <paramref name="progress"/> hears of each shard.</summary>
    /// <exception cref="ArgumentException">Input and output are the same store.</exception>
    /// <exception cref="ShardManifestException">The input has no manifest or no shards, or the output holds other images.</exception>
    /// <exception cref="ShardCorruptException">An input shard is damaged.</exception>
    public static async Task<ConversionSummary> ConvertAsync(IShardStore input, IShardStore output, ShardFormat format, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (string.Equals(input.Location, output.Location, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the output store is the input store ({input.Location}); convert into another store");
        }

        if (await input.GetLengthAsync(ManifestStore.ManifestPath, cancellationToken) is null)
        {
            throw new ShardManifestException($"{input.Describe(ManifestStore.ManifestPath)} does not exist: {input.Location} is not a shard store");
        }

        var manifest = await new ManifestStore(input).LoadAsync(cancellationToken);
        if (manifest.Shards.Count == 0)
        {
            throw new ShardManifestException($"{input.Describe(ManifestStore.ManifestPath)} lists no shards: nothing to convert");
        }

        var encoding = manifest.ImageColumn is { } column ? SampleSchema.ParseColumnName(column) : ImageEncoding.Jpg;
        var committed = new ManifestStore(output);
        int converted = 0, resumed = 0;
        long samples = 0;
        for (var s = 0; s < manifest.Shards.Count; s++)
        {
            var entry = manifest.Shards[s];
            var options = ShardWriterOptions.KeepingName(entry.Name) with
            {
                Encoding = encoding,
                Format = format,
                RowGroupSamples = Math.Max(1, entry.RowGroups.Count == 0 ? 1 : entry.RowGroups.Max(g => g.Rows)),
                RowGroupBytes = long.MaxValue,
            };
            var name = options.ShardName(options.FirstIndex);
            string what;
            if (await committed.FindAsync(name, cancellationToken) is { } done)
            {
                resumed++;
                samples += done.Samples;
                what = "already converted";
            }
            else
            {
                await using var reader = await ShardFileReader.OpenAsync(input, entry, cancellationToken);
                await using var writer = new ShardWriter(output, options);
                for (var g = 0; g < entry.RowGroups.Count; g++)
                {
                    foreach (var sample in await reader.ReadRowGroupAsync(g, cancellationToken))
                    {
                        await writer.WriteAsync(sample, cancellationToken);
                    }
                }

                var commits = await writer.CompleteAsync(cancellationToken);
                converted++;
                samples += commits.Sum(c => c.Entry.Samples);
                what = string.Join(", ", commits.Select(c => $"{c.Outcome.ToString().ToLowerInvariant()} {c.Entry.Samples} samples"));
            }

            progress?.Report(new StageProgress("convert", $"shard {name} ({s + 1}/{manifest.Shards.Count}) {what}", s + 1, manifest.Shards.Count));
        }

        return new ConversionSummary(manifest.Shards.Count, converted, resumed, samples);
    }
}
