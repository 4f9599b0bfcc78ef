using System.Text.RegularExpressions;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Sources;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Filtering;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Queries;
using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// Where a configuration section lives in a campaign spec, so a setting's error names the key the user wrote
/// (<c>balancing.threshold</c>) rather than the configuration key it binds to (<c>Curation:Balancing:Threshold</c>).
/// </summary>
public static partial class SpecKeys
{
    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        [LiveCrawlOptions.Section] = "crawl",
        [FetcherOptions.Section] = "fetcher",
        [NetworkSafetyOptions.Section] = "network",
        [QueryOptions.Section] = "queries.build",
        [MatcherOptions.Section] = "matching",
        [BalancerOptions.Section] = "balancing",
        [ImageOptions.Section] = "images",
        [SampleFilterOptions.Section] = "filters",
        [DedupOptions.Section] = "dedup",
        [TrainingOptions.Section] = "training.trainer",
    };

    /// <summary><paramref name="message"/> with configuration keys of spec sections written as spec keys; other text unchanged.</summary>
    public static string Rename(string message) => ConfigurationKey().Replace(message, match =>
        Sections.TryGetValue(match.Groups["section"].Value, out var section)
            ? $"{section}.{char.ToLowerInvariant(match.Groups["key"].Value[0])}{match.Groups["key"].Value[1..]}"
            : match.Value);

    [GeneratedRegex(@"\b(?<section>[A-Z][A-Za-z]*(?::[A-Z][A-Za-z]*)?):(?<key>[A-Z][A-Za-z0-9]*)\b")]
    private static partial Regex ConfigurationKey();
}
