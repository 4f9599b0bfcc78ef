using Pipeline.Curation.Queries;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// How a campaign gets its query entries: built as <c>pipeline queries build</c> builds them (WordNet, a Wikipedia
/// dump, hourly pageviews, the numbers), then an entry list and extra entries added.
/// </summary>
[GenerateSerializer]
[Alias("pipeline.campaign-queries")]
public sealed class CampaignQueries
{
    /// <summary>Use every WordNet synset's head name.</summary>
    [Id(0)] public bool WordNet { get; init; } = true;

    /// <summary>The WordNet dict folder; Debian's <c>/usr/share/wordnet</c> when not set.</summary>
    [Id(1)] public string? WordNetDirectory { get; init; }

    /// <summary>An entry list built by <c>pipeline queries build</c> (Parquet), or a JSON array or text file of entries.</summary>
    [Id(2)] public string? Entries { get; init; }

    /// <summary>More entries, e.g. words a campaign must have.</summary>
    [Id(3)] public IList<string> Extra { get; init; } = [];

    /// <summary>A Wikipedia pages-articles dump (<c>.xml</c>, <c>.xml.bz2</c> or multistream) whose frequent words and bigrams are entries.</summary>
    [Id(4)] public string? Wikipedia { get; init; }

    /// <summary>The multistream dump's index; beside the dump when not set.</summary>
    [Id(5)] public string? WikipediaIndex { get; init; }

    /// <summary>Hourly pageview files or folders of them, whose much-viewed titles are entries.</summary>
    [Id(6)] public IList<string> Pageviews { get; init; } = [];

    /// <summary>Thresholds and work split of the build (<c>Curation:Queries</c>), e.g. <c>maxNumber</c> -1 to leave the numbers out.</summary>
    [Id(7)] public QueryOptions Build { get; init; } = new();

    /// <summary>Whether entries are built from WordNet, Wikipedia or pageviews, not only listed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Builds => WordNet || Wikipedia is not null || Pageviews.Count > 0;
}
