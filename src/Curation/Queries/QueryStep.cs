namespace Pipeline.Curation.Queries;

/// <summary>The kinds of query-building work item.</summary>
public enum QueryStep
{
    /// <summary>Count the words and bigrams of one dump partition into sorted runs per bucket.</summary>
    Count,

    /// <summary>Merge one bucket's word runs over all partitions.</summary>
    MergeWords,

    /// <summary>Merge one bucket's bigram runs over all partitions and keep those with enough count and PMI.</summary>
    MergeBigrams,
}
