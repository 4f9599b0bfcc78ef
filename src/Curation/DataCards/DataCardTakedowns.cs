namespace Pipeline.Curation.DataCards;

/// <summary>The data card's takedown section: what was removed from the store after it was built, run by run.</summary>
/// <param name="SamplesRemoved">Samples removed by all runs.</param>
/// <param name="Runs">Every run that removed something, oldest first.</param>
public sealed record DataCardTakedowns(long SamplesRemoved, IReadOnlyList<DataCardTakedownRun> Runs);
