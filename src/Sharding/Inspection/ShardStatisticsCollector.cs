using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Inspection;

/// <summary>Reads every committed row group once and sums up <see cref="ShardStatistics"/>.</summary>
public static class ShardStatisticsCollector
{
    public static async Task<ShardStatistics> CollectAsync(IShardStore store, ShardManifest manifest, IProgress<ShardEntry>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        long samples = 0, imageBytes = 0, width = 0, height = 0, captionChars = 0, withEntries = 0;
        int minSide = int.MaxValue, maxSide = 0;
        var keptFor = new HashSet<int>();
        DateTimeOffset? first = null, last = null;
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, cancellationToken))
                {
                    Add(sample);
                }
            }

            progress?.Report(entry);
        }

        return new ShardStatistics
        {
            Shards = manifest.Shards.Count,
            Samples = samples,
            FileBytes = manifest.TotalBytes,
            ImageColumn = manifest.ImageColumn,
            MeanImageBytes = Mean(imageBytes),
            MeanWidth = Mean(width),
            MeanHeight = Mean(height),
            MinSide = samples == 0 ? 0 : minSide,
            MaxSide = maxSide,
            MeanCaptionChars = Mean(captionChars),
            SamplesWithEntries = withEntries,
            DistinctKeptForEntries = keptFor.Count,
            FirstFetch = first,
            LastFetch = last,
        };

        double Mean(long total) => samples == 0 ? 0 : Math.Round((double)total / samples, 2);

        void Add(Sample sample)
        {
            samples++;
            imageBytes += sample.Image.Length;
            width += sample.Width;
            height += sample.Height;
            minSide = Math.Min(minSide, Math.Min(sample.Width, sample.Height));
            maxSide = Math.Max(maxSide, Math.Max(sample.Width, sample.Height));
            captionChars += sample.Caption.Length;
            withEntries += sample.MatchedEntryIds.Count > 0 ? 1 : 0;
            if (sample.KeptForEntry is { } kept)
            {
                keptFor.Add(kept);
            }

            if (sample.FetchTime is { } time)
            {
                first = first is null || time < first ? time : first;
                last = last is null || time > last ? time : last;
            }
        }
    }
}
