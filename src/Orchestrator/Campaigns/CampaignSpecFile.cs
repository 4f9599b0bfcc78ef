using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Sharding.Settings;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Reads, checks and writes campaign spec files (JSON with comments; keys camelCase or PascalCase).</summary>
public static class CampaignSpecFile
{
    /// <summary>The spec's JSON form, also how grains keep it.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Loads and checks <paramref name="path"/>; relative paths in it are taken from the current folder and made absolute.</summary>
    /// <exception cref="PipelineConfigurationException">The file is missing, not valid JSON, has unknown keys or bad values.</exception>
    public static async Task<CampaignSpec> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new PipelineConfigurationException($"campaign spec {path} does not exist");
        }

        await using var stream = File.OpenRead(path);
        CampaignSpec? spec;
        try
        {
            spec = await JsonSerializer.DeserializeAsync<CampaignSpec>(stream, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new PipelineConfigurationException($"campaign spec {path}: {ex.Message}", ex);
        }

        return Checked(spec ?? throw new PipelineConfigurationException($"campaign spec {path} is empty"), path);
    }

    /// <summary>Parses a spec kept as JSON (grain state).</summary>
    public static CampaignSpec Parse(string json) =>
        JsonSerializer.Deserialize<CampaignSpec>(json, Json) ?? throw new InvalidDataException("empty campaign spec");

    /// <summary>The spec as JSON.</summary>
    public static string ToJson(CampaignSpec spec) => JsonSerializer.Serialize(spec, Json);

    /// <summary>Whether two specs kept as JSON say the same, read back by this version (so a key added with its default compares equal).</summary>
    public static bool SameSpec(string json, string other)
    {
        if (json == other)
        {
            return true;
        }

        try
        {
            return ToJson(Parse(json)) == ToJson(Parse(other));
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            // A spec this version cannot read (a key since removed) is not this one.
            return false;
        }
    }

    /// <summary>Checks a spec and makes its paths absolute; errors name <paramref name="origin"/> and the key.</summary>
    public static CampaignSpec Checked(CampaignSpec spec, string origin)
    {
        ArgumentNullException.ThrowIfNull(spec);
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new PipelineConfigurationException($"campaign spec {origin}: {message}");
            }
        }

        Require(spec.Name.Length is > 0 and <= 64 && spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), $"name '{spec.Name}' must be 1-64 letters, digits, '-' or '_'");
        Require(!string.IsNullOrWhiteSpace(spec.Output), "output (the campaign's folder) is required");
        Require(!spec.Output.Contains("://", StringComparison.Ordinal), $"output '{spec.Output}' must be a folder, not a URL (shards go to Blob through 'store')");
        Require(spec.Sources.Seeds.Count + spec.Sources.Warc.Count + spec.Sources.Candidates.Count > 0, "sources needs seeds, warc or candidates");
        Require(spec.Sources.Partitions is > 0 and <= 4096, "sources.partitions must be 1-4096");
        Require(spec.Sources.SpillAfter > 0, "sources.spillAfter must be positive");
        Require(spec.Queries.Builds || spec.Queries.Entries is not null || spec.Queries.Extra.Count > 0, "queries needs wordNet, wikipedia, pageviews, entries or extra");
        Require(spec.Queries.Wikipedia is null || File.Exists(spec.Queries.Wikipedia), $"queries.wikipedia {spec.Queries.Wikipedia} does not exist");
        Require(spec.Queries.WikipediaIndex is null || File.Exists(spec.Queries.WikipediaIndex), $"queries.wikipediaIndex {spec.Queries.WikipediaIndex} does not exist");
        Require(spec.Queries.Entries is null || File.Exists(spec.Queries.Entries), $"queries.entries {spec.Queries.Entries} does not exist");
        foreach (var views in spec.Queries.Pageviews)
        {
            Require(File.Exists(views) || Directory.Exists(views), $"queries.pageviews {views} is neither a file nor a folder");
        }
        Require(spec.Fetch.Chunk > 0 && spec.Fetch.Concurrency > 0 && spec.Fetch.Lease > TimeSpan.Zero, "fetch.chunk, fetch.concurrency and fetch.lease must be positive");
        Require(spec.Fetch.RetryRounds is >= 0 and <= 10, $"fetch.retryRounds must be 0-10, got {spec.Fetch.RetryRounds}");
        Require(spec.Fetch.RetryDelay >= TimeSpan.Zero && spec.Fetch.RetryDelay <= TimeSpan.FromDays(1), $"fetch.retryDelay must be between 0 and one day, got {spec.Fetch.RetryDelay}");
        Require(spec.Training.Workers is > 0 and <= 1024, "training.workers must be 1-1024");
        // One seed drives balancing and training, so a run is reproduced from the spec's 'seed' alone.
        Require(spec.Balancing.Seed == 0 || spec.Balancing.Seed == spec.Seed, $"balancing.seed {spec.Balancing.Seed} is not used: the campaign's 'seed' ({spec.Seed}) seeds balancing; set 'seed' instead");
        Require(spec.Training.HeartbeatTimeout > TimeSpan.Zero, "training.heartbeatTimeout must be positive");
        foreach (var seed in spec.Sources.Seeds)
        {
            Require(Uri.TryCreate(seed, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps), $"seed '{seed}' is not an http(s) URL");
        }

        try
        {
            spec.Crawl.Validate();
            spec.Queries.Build.Validate();
            spec.Fetcher.Validate();
            spec.Balancing.Validate();
            spec.Images.Validate();
            spec.Filters.Validate();
            spec.Dedup.Validate();
            spec.Training.Trainer.Validate();
            Require(spec.Training.Trainer.GlobalBatch % spec.Training.Workers == 0, $"training.trainer.globalBatch {spec.Training.Trainer.GlobalBatch} must divide into {spec.Training.Workers} workers");
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"campaign spec {origin}: {SpecKeys.Rename(ex.Message)}", ex);
        }

        var trainer = spec.Training.Trainer;
        trainer.Seed = spec.Seed;
        if (trainer.EvalFolder is not null)
        {
            trainer.EvalFolder = Path.GetFullPath(trainer.EvalFolder);
        }

        return new CampaignSpec
        {
            Name = spec.Name,
            Seed = spec.Seed,
            Output = Path.GetFullPath(spec.Output),
            Store = spec.Store is null || spec.Store.Contains("://", StringComparison.Ordinal) ? spec.Store : Path.GetFullPath(spec.Store),
            Sources = new CampaignSources
            {
                Seeds = spec.Sources.Seeds,
                Warc = [.. spec.Sources.Warc.Select(w => w.Contains("://", StringComparison.Ordinal) ? w : Path.GetFullPath(w))],
                Candidates = [.. spec.Sources.Candidates.Select(Path.GetFullPath)],
                Partitions = spec.Sources.Partitions,
                SpillAfter = spec.Sources.SpillAfter,
                Columns = spec.Sources.Columns,
            },
            Crawl = spec.Crawl,
            Fetcher = spec.Fetcher,
            Network = spec.Network,
            Queries = new CampaignQueries
            {
                WordNet = spec.Queries.WordNet,
                WordNetDirectory = Absolute(spec.Queries.WordNetDirectory),
                Entries = Absolute(spec.Queries.Entries),
                Extra = spec.Queries.Extra,
                Wikipedia = Absolute(spec.Queries.Wikipedia),
                WikipediaIndex = Absolute(spec.Queries.WikipediaIndex),
                Pageviews = [.. spec.Queries.Pageviews.Select(Path.GetFullPath)],
                Build = spec.Queries.Build,
            },
            Matching = spec.Matching,
            Balancing = spec.Balancing with { Seed = spec.Seed },
            Fetch = spec.Fetch,
            Images = spec.Images,
            Filters = spec.Filters,
            Dedup = spec.Dedup,
            Training = spec.Training,
            Format = spec.Format,
        };
    }

    private static string? Absolute(string? path) => path is null ? null : Path.GetFullPath(path);
}
