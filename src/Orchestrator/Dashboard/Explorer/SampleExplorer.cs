using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Jobs;
using Pipeline.Orchestrator.Shards;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Dashboard.Explorer;

/// <summary>
/// Reads what the sample explorer shows from the stores named in <see cref="PipelineDashboardOptions.Stores"/>: entries
/// with their kept samples, pages of samples, stored images by key, and the curation steps' dropped records with the
/// samples they were dropped for. Every read goes through <see cref="StoreQuery"/> (DuckDB over the files the manifest
/// lists, so uncommitted files never show), streaming and bounded by the page asked for; keys are query parameters,
/// never paths. Only local folder stores are read: a remote one would be copied whole on every request.
/// </summary>
public sealed partial class SampleExplorer(PipelineDashboardOptions options, ILogger<SampleExplorer> logger)
{
    /// <summary>The most samples one page holds.</summary>
    public const int MaxPageSize = 200;

    /// <summary>The most example records per drop reason.</summary>
    public const int MaxExamples = 50;

    /// <summary>The most entries one listing holds.</summary>
    public const int MaxEntries = 5000;

    /// <summary>The curation steps whose dropped records are shown, in pipeline order.</summary>
    private static readonly string[] Steps = ["filter", "dedup", "overlap"];

    private static readonly (string Column, string ContentType)[] ImageColumns =
        [.. Enum.GetValues<ImageEncoding>().Select(e => (SampleSchema.For(e).Image.Name, e == ImageEncoding.Webp ? "image/webp" : "image/jpeg"))];

    /// <summary>True when <paramref name="key"/> has the shape of a sample key (letters, digits, '-' and '_', at most 128).</summary>
    public static bool IsKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= 128 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Where a sample's stored image is served, relative to the dashboard.</summary>
    public static string ThumbnailUrl(string store, string key) => $"api/explorer/stores/{Uri.EscapeDataString(store)}/images/{Uri.EscapeDataString(key)}";

    /// <summary>Where an entry's samples are served, relative to the dashboard (<c>none</c> for samples kept for no entry).</summary>
    public static string SamplesUrl(string store, int? entry) =>
        $"api/explorer/stores/{Uri.EscapeDataString(store)}/entries/{(entry is { } e ? e.ToString(CultureInfo.InvariantCulture) : "none")}/samples";

    /// <summary>The configured stores with their committed shards and samples, by name.</summary>
    public async Task<IReadOnlyList<ExplorerStore>> ListStoresAsync(CancellationToken cancellationToken)
    {
        var stores = new List<ExplorerStore>();
        foreach (var name in options.Stores.Keys.Order(StringComparer.Ordinal))
        {
            var manifest = await new ManifestStore(Open(name)!).LoadAsync(cancellationToken);
            stores.Add(new ExplorerStore(name, manifest.Shards.Count, manifest.TotalSamples));
        }

        return stores;
    }

    /// <summary>The store's entries with their kept samples, most first; null when no store has that name.</summary>
    public async Task<ExplorerEntryList?> ListEntriesAsync(string store, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (Open(store) is not { } opened)
        {
            return null;
        }

        await using var query = await StoreQuery.OpenAsync(opened, null, cancellationToken);
        var columns = await ColumnsAsync(query, cancellationToken);
        var entry = columns.Contains("kept_for_entry") ? "kept_for_entry" : "NULL::INTEGER";
        var result = await query.RunAsync(
            $"SELECT {entry} AS entry, count(*) AS samples FROM samples GROUP BY ALL ORDER BY samples DESC, entry NULLS LAST", [], Math.Min(limit, MaxEntries), cancellationToken);
        var entries = result.Rows.Select(r =>
        {
            var id = r[0] is null ? (int?)null : Convert.ToInt32(r[0], CultureInfo.InvariantCulture);
            return new ExplorerEntry(id, Convert.ToInt64(r[1], CultureInfo.InvariantCulture), SamplesUrl(store, id));
        });
        return new ExplorerEntryList(store, [.. entries], result.Truncated);
    }

    /// <summary>A page of the samples kept for <paramref name="entry"/> (null: kept for no entry), in key order; null when no store has that name.</summary>
    public async Task<ExplorerSamplePage?> GetSamplesAsync(string store, int? entry, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        if (Open(store) is not { } opened)
        {
            return null;
        }

        await using var query = await StoreQuery.OpenAsync(opened, null, cancellationToken);
        var columns = await ColumnsAsync(query, cancellationToken);
        if (!columns.Contains("caption"))
        {
            // Nothing committed yet.
            return new ExplorerSamplePage(store, entry, offset, limit, 0, []);
        }

        var (where, parameters) = (columns.Contains("kept_for_entry"), entry) switch
        {
            (true, { } id) => ("kept_for_entry = $1", new object?[] { id }),
            (true, null) => ("kept_for_entry IS NULL", Array.Empty<object?>()),
            (false, null) => ("true", Array.Empty<object?>()),
            (false, _) => ("false", Array.Empty<object?>()),
        };
        var total = await query.RunAsync($"SELECT count(*) FROM samples WHERE {where}", parameters, 1, cancellationToken);
        // ORDER BY ... LIMIT is a top-n in DuckDB: it holds offset + limit rows, not the store.
        var rows = await query.RunAsync(
            $"SELECT key, caption, url, width, height FROM samples WHERE {where} ORDER BY key LIMIT {limit} OFFSET {offset}", parameters, limit, cancellationToken);
        return new ExplorerSamplePage(store, entry, offset, limit, Convert.ToInt64(total.Rows[0][0], CultureInfo.InvariantCulture), [.. rows.Rows.Select(r => Sample(store, r, 0))]);
    }

    /// <summary>The stored image of the sample with <paramref name="key"/>; null when the store or the key is unknown.</summary>
    public async Task<ExplorerImage?> GetImageAsync(string store, string key, CancellationToken cancellationToken)
    {
        if (!IsKey(key) || Open(store) is not { } opened)
        {
            return null;
        }

        await using var query = await StoreQuery.OpenAsync(opened, null, cancellationToken);
        var columns = await ColumnsAsync(query, cancellationToken);
        var images = ImageColumns.Where(c => columns.Contains(c.Column)).ToList();
        if (images.Count == 0)
        {
            return null;
        }

        var sha = columns.Contains("sha256") ? "sha256" : "NULL::VARCHAR";
        var result = await query.RunAsync(
            $"SELECT {string.Join(", ", images.Select(c => c.Column))}, {sha} FROM samples WHERE key = $1 LIMIT 1", [key], 1, cancellationToken);
        if (result.Rows.Count == 0)
        {
            LogUnknownKey(logger, store, key);
            return null;
        }

        var row = result.Rows[0];
        for (var i = 0; i < images.Count; i++)
        {
            if (row[i] is byte[] bytes)
            {
                return new ExplorerImage(bytes, images[i].ContentType, row[^1] as string);
            }
        }

        return null;
    }

    /// <summary>Each curation step's drop reasons with up to <paramref name="examples"/> records and their keepers; null when no store has that name.</summary>
    public async Task<IReadOnlyList<ExplorerDropReason>?> ListDropsAsync(string store, int examples, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(examples);
        examples = Math.Min(examples, MaxExamples);
        if (Open(store) is not { } opened)
        {
            return null;
        }

        await using var query = await StoreQuery.OpenAsync(opened, null, cancellationToken);
        var columns = await ColumnsAsync(query, cancellationToken);
        var counts = await query.RunAsync("SELECT step, reason, count(*) FROM dropped GROUP BY ALL ORDER BY step, 3 DESC, reason", [], 1000, cancellationToken);
        if (counts.Rows.Count == 0)
        {
            return [];
        }

        // The keeper as the store holds it: joined on its key, when the store has samples at all.
        var keeper = columns.Contains("caption")
            ? ("s.key, s.caption, s.url, s.width, s.height", "LEFT JOIN samples s ON s.key = d.duplicate_of")
            : ("NULL, NULL, NULL, NULL, NULL", "");
        var rows = await query.RunAsync(
            $"SELECT d.step, d.reason, d.key, d.caption, d.url, d.detail, d.distance, d.duplicate_of, {keeper.Item1} FROM dropped d {keeper.Item2} "
            + "QUALIFY row_number() OVER (PARTITION BY d.step, d.reason ORDER BY d.key) <= $1 ORDER BY d.step, d.reason, d.key",
            [examples], counts.Rows.Count * examples, cancellationToken);

        var inputs = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var step in counts.Rows.Select(r => (string)r[0]!).Distinct())
        {
            inputs[step] = await InputStoreAsync(opened, step, cancellationToken);
        }

        return [.. counts.Rows.Select(c =>
        {
            var (step, reason) = ((string)c[0]!, (string)c[1]!);
            var input = inputs[step];
            var drops = rows.Rows.Where(r => (string)r[0]! == step && (string)r[1]! == reason).Select(r => new ExplorerDrop(
                (string)r[2]!,
                r[3] as string,
                r[4] as string,
                r[5] as string,
                r[6] is null ? null : Convert.ToInt32(r[6], CultureInfo.InvariantCulture),
                input is null ? null : ThumbnailUrl(input, (string)r[2]!),
                r[7] as string,
                r[8] is null ? null : Sample(store, r, 8)));
            return new ExplorerDropReason(step, reason, Convert.ToInt64(c[2], CultureInfo.InvariantCulture), input, [.. drops]);
        })];
    }

    /// <summary>The configured store named <paramref name="name"/>, or null when there is none.</summary>
    /// <exception cref="PipelineConfigurationException">It is not a local folder.</exception>
    private LocalFolderStore? Open(string name)
    {
        if (!options.Stores.TryGetValue(name, out var location))
        {
            LogUnknownStore(logger, name);
            return null;
        }

        IShardStore store;
        try
        {
            store = ShardStoreLocation.Open(location);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"Dashboard:Stores:{name}: {ex.Message}", ex);
        }

        return store as LocalFolderStore
            ?? throw new PipelineConfigurationException($"Dashboard:Stores:{name} is {location}: the explorer reads local folder stores only (a remote store would be copied on every request)");
    }

    /// <summary>The name of the configured store that <paramref name="step"/> read as its input (its claim file says), or null.</summary>
    private async Task<string?> InputStoreAsync(LocalFolderStore store, string step, CancellationToken cancellationToken)
    {
        if (!Steps.Contains(step) || await store.GetLengthAsync(CurationPaths.Claim(step), cancellationToken) is null)
        {
            return null;
        }

        await using var bytes = await StoreFile.ReadAsync(store, CurationPaths.Claim(step), cancellationToken);
        using var claim = JsonDocument.Parse(bytes.ToArray());
        if (!claim.RootElement.TryGetProperty("input", out var input) || input.GetString() is not { Length: > 0 } location
            || location.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        var full = Path.GetFullPath(location);
        return options.Stores.Where(s => !s.Value.Contains("://", StringComparison.Ordinal) && Path.GetFullPath(s.Value).TrimEnd('/') == full.TrimEnd('/'))
            .Select(s => s.Key).Order(StringComparer.Ordinal).FirstOrDefault();
    }

    private static async Task<HashSet<string>> ColumnsAsync(StoreQuery query, CancellationToken cancellationToken)
    {
        var described = await query.RunAsync("DESCRIBE samples", [], 1000, cancellationToken);
        return [.. described.Rows.Select(r => (string)r[0]!)];
    }

    /// <summary>A sample from five columns of <paramref name="row"/> at <paramref name="at"/>: key, caption, url, width, height.</summary>
    private static ExplorerSample Sample(string store, object?[] row, int at)
    {
        var key = (string)row[at]!;
        return new ExplorerSample(
            key,
            row[at + 1] as string ?? "",
            row[at + 2] as string ?? "",
            row[at + 3] is null ? null : Convert.ToInt32(row[at + 3], CultureInfo.InvariantCulture),
            row[at + 4] is null ? null : Convert.ToInt32(row[at + 4], CultureInfo.InvariantCulture),
            ThumbnailUrl(store, key));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "explorer: no store is configured as {Store}")]
    private static partial void LogUnknownStore(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Debug, Message = "explorer: store {Store} has no sample {Key}")]
    private static partial void LogUnknownKey(ILogger logger, string store, string key);
}
