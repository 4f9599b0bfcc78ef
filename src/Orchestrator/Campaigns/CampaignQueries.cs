namespace Pipeline.Orchestrator.Campaigns;

/// <summary>How a campaign gets its query entries.</summary>
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
}
