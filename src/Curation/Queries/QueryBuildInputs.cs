using Pipeline.Curation.Wikipedia;
using Pipeline.Curation.WordNet;

namespace Pipeline.Curation.Queries;

/// <summary>What queries are built from; each source may be left out.</summary>
/// <param name="Wiki">The Wikipedia dump whose words and bigrams are counted.</param>
/// <param name="Pageviews">Hourly pageview files whose much-viewed titles are entries.</param>
/// <param name="WordNet">The WordNet dict folder whose synset head names are entries.</param>
public sealed record QueryBuildInputs(WikiDump? Wiki, IReadOnlyList<string> Pageviews, WordNetFolder? WordNet);
