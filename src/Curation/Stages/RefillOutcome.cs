using Pipeline.Curation.DataCards;

namespace Pipeline.Curation.Stages;

/// <summary>What a refill wrote: the rebalanced data card, and how many samples survived, were chosen, and came from the reserve.</summary>
/// <param name="Card">The data card of the rebalancing over the survivors (in the refill folder).</param>
/// <param name="Survivors">Samples that survived fetch, filter and dedup.</param>
/// <param name="Chosen">Samples written to the final store: at most t per entry.</param>
/// <param name="FromReserve">Chosen samples that were their entry's reserve, standing in for lost kept pairs.</param>
/// <param name="Shards">Shards of the final store.</param>
/// <param name="PerEntry">Chosen samples per entry id (entries with none left out): the final fill.</param>
public sealed record RefillOutcome(DataCard Card, long Survivors, long Chosen, long FromReserve, int Shards, IReadOnlyDictionary<int, long> PerEntry);
