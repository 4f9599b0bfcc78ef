namespace Pipeline.Curation.Pageviews;

/// <summary>Sums, over hourly pageview files, the views of titles in the hours where they reach the hourly minimum.</summary>
public sealed class TitleViews
{
    private readonly Dictionary<string, long> _views = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Hourly files added.</summary>
    public int Files { get; private set; }

    /// <summary>Malformed lines skipped over all files.</summary>
    public long Malformed { get; private set; }

    /// <summary>Reads the files, <paramref name="parallel"/> at a time.</summary>
    public static async Task<TitleViews> ReadAsync(IReadOnlyList<string> files, IReadOnlyCollection<string> domains, long minHourlyViews, int parallel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var views = new TitleViews();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var (titles, malformed) = await HourlyPageviews.ReadAsync(file, domains, minHourlyViews, ct);
            views.Add(titles, malformed);
        });
        return views;
    }

    /// <summary>Adds one hour's qualifying titles.</summary>
    public void Add(IReadOnlyDictionary<string, long> hour, long malformed)
    {
        ArgumentNullException.ThrowIfNull(hour);
        lock (_gate)
        {
            foreach (var (title, count) in hour)
            {
                _views[title] = _views.GetValueOrDefault(title) + count;
            }

            Files++;
            Malformed += malformed;
        }
    }

    /// <summary>The titles whose summed views reach <paramref name="minViews"/>, with those views.</summary>
    public IEnumerable<KeyValuePair<string, long>> AtLeast(long minViews)
    {
        lock (_gate)
        {
            return [.. _views.Where(v => v.Value >= minViews)];
        }
    }
}
