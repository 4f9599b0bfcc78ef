namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Where each stage of a campaign keeps its output under the campaign's folder.</summary>
public sealed record CampaignPaths(string Root)
{
    /// <summary>The spec whose work the folder holds (JSON), written when the campaign is created.</summary>
    public string Spec => Path.Combine(Root, "campaign-spec.json");

    /// <summary>The query entries (a JSON array).</summary>
    public string Entries => Path.Combine(Root, "queries", "entries.json");

    /// <summary>The entries built from WordNet, Wikipedia and pageviews, as <c>queries build</c> writes them (Parquet, with their sources and counts).</summary>
    public string BuiltEntries => Path.Combine(Root, "queries", "built.parquet");

    /// <summary>Extracted candidates, one JSON-lines file per partition.</summary>
    public string Candidates => Path.Combine(Root, "candidates");

    /// <summary>The match run.</summary>
    public string Matches => Path.Combine(Root, "matched");

    /// <summary>The balanced pairs and data card.</summary>
    public string Balanced => Path.Combine(Root, "balanced");

    /// <summary>The fetch chunks' URL lists, one file per leased work item.</summary>
    public string FetchLists => Path.Combine(Root, "fetch-lists");

    /// <summary>Fetched shards, status logs and commit records.</summary>
    public string Fetched => Path.Combine(Root, "fetched");

    /// <summary>The fetch stage's status logs and commit records.</summary>
    public string FetchLogs => Path.Combine(Fetched, "fetch");

    /// <summary>Shards that passed the filters.</summary>
    public string Filtered => Path.Combine(Root, "filtered");

    /// <summary>Shards that passed dedup: kept and reserve pairs, before the refill chooses at most t per entry.</summary>
    public string Deduped => Path.Combine(Root, "deduped");

    /// <summary>The refill's rebalanced pairs and data card.</summary>
    public string Refilled => Path.Combine(Root, "refilled");

    /// <summary>The final shards (deduplicated and refilled), unless the spec names another store.</summary>
    public string Shards => Path.Combine(Root, "shards");

    /// <summary>The training run: tokenizer, checkpoints, metrics.</summary>
    public string Training => Path.Combine(Root, "train");
}
