namespace Pipeline.Curation.Queries;

/// <summary>One query entry with where it came from and the figure that admitted it per source.</summary>
/// <param name="Text">The entry, e.g. <c>hot dog</c>.</param>
/// <param name="Sources">The sources that admitted it.</param>
/// <param name="Count">Occurrences in the dump (unigrams and bigrams).</param>
/// <param name="Pmi">Bigram association, see <see cref="QueryOptions.MinBigramPmi"/>.</param>
/// <param name="Views">Summed qualifying pageviews (titles).</param>
/// <param name="Synset">The first WordNet synset it heads, as <c>OFFSET-POS</c>, e.g. <c>02084071-n</c>.</param>
public sealed record QueryEntry(string Text, QuerySources Sources, long? Count = null, double? Pmi = null, long? Views = null, string? Synset = null)
{
    /// <summary>The sources as lower-case names joined by commas, e.g. <c>wordnet,unigram</c>.</summary>
    public string SourceNames => string.Join(',', Enum.GetValues<QuerySources>().Where(s => s != QuerySources.None && Sources.HasFlag(s)).Select(s => s.ToString().ToLowerInvariant()));

    /// <summary>Combines two admissions of the same text.</summary>
    public QueryEntry Merge(QueryEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new QueryEntry(Text, Sources | other.Sources, Count ?? other.Count, Pmi ?? other.Pmi, Views ?? other.Views, Synset ?? other.Synset);
    }

    /// <summary>Parses <see cref="SourceNames"/>.</summary>
    public static QuerySources ParseSources(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var sources = QuerySources.None;
        foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            sources |= Enum.Parse<QuerySources>(name, ignoreCase: true);
        }

        return sources;
    }
}
