namespace Pipeline.Curation.Queries;

/// <summary>A bigram that passed the thresholds, as a merge writes it.</summary>
/// <param name="Text">The two words with one space.</param>
/// <param name="Count">Its occurrences.</param>
/// <param name="Pmi">Its association, <see cref="QueryWorker.Pmi"/>.</param>
public sealed record BigramEntry(string Text, long Count, double Pmi);
