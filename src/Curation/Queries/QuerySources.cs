namespace Pipeline.Curation.Queries;

/// <summary>What admitted a query entry; an entry may have several.</summary>
[Flags]
public enum QuerySources
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>A WordNet synset's head name.</summary>
    WordNet = 1,

    /// <summary>A frequent Wikipedia word.</summary>
    Unigram = 2,

    /// <summary>A Wikipedia bigram with high PMI.</summary>
    Bigram = 4,

    /// <summary>A much-viewed article title.</summary>
    Title = 8,

    /// <summary>A number from 0 to 99.</summary>
    Number = 16,
}
