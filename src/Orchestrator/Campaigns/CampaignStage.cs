namespace Pipeline.Orchestrator.Campaigns;

/// <summary>The stages a campaign moves through, in order.</summary>
public enum CampaignStage
{
    /// <summary>Query entries from WordNet and an optional entry list.</summary>
    Queries,

    /// <summary>Image-text candidates from live pages and WARC files.</summary>
    Extract,

    /// <summary>Candidates matched against the entries.</summary>
    Match,

    /// <summary>At most t pairs per entry.</summary>
    Balance,

    /// <summary>Images downloaded into shards, chunk by chunk from a leased work queue.</summary>
    Fetch,

    /// <summary>Size, aspect and caption filters.</summary>
    Filter,

    /// <summary>Exact and near-duplicate removal; its output is the campaign's shard store.</summary>
    Dedup,

    /// <summary>CLIP pretraining on the shards, then zero-shot evaluation.</summary>
    Train,

    /// <summary>Everything is done.</summary>
    Done,
}
