namespace Pipeline.Curation.Jobs;

/// <summary>The kinds of work item a curation worker runs.</summary>
public enum CurationStep
{
    /// <summary>Normalize captions and filter one shard into the output store.</summary>
    Filter,

    /// <summary>Write the dedup signatures of one shard.</summary>
    Sign,

    /// <summary>Search one partition of the distinct-hash index with every distinct hash; write the near pairs.</summary>
    FindPairs,

    /// <summary>Write one shard without the samples the dedup decisions drop, with perceptual hashes filled in.</summary>
    ApplyDedup,

    /// <summary>Find one shard's samples that copy an evaluation image; write the hits, and the shard without them when dropping.</summary>
    Overlap,
}
