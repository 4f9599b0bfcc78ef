namespace Pipeline.Curation.Queries;

/// <summary>What one query work item did. Counting fills the page and token figures; merging the key figures.</summary>
/// <param name="Item">The item's short name.</param>
/// <param name="Pages">Pages read.</param>
/// <param name="Articles">Main-namespace, non-redirect pages counted.</param>
/// <param name="Tokens">Words counted.</param>
/// <param name="Pairs">Adjacent word pairs counted.</param>
/// <param name="Bytes">Dump bytes read.</param>
/// <param name="Runs">Sorted runs spilled.</param>
/// <param name="Keys">Distinct keys merged.</param>
/// <param name="Kept">Keys kept (frequent words, or bigram entries).</param>
/// <param name="Resumed">True when an earlier run had done the item.</param>
public sealed record QueryWorkResult(
    string Item,
    long Pages = 0,
    long Articles = 0,
    long Tokens = 0,
    long Pairs = 0,
    long Bytes = 0,
    int Runs = 0,
    long Keys = 0,
    long Kept = 0,
    bool Resumed = false);
