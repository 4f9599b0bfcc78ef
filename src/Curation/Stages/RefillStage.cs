using System.Runtime.CompilerServices;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Curation.Stages;

/// <summary>
/// The last curation stage: balancing again over what survived fetch, filter and dedup (kept and reserve pairs
/// alike, with no new reserve), so each entry keeps its surviving kept pairs and fills the places of lost ones from
/// its reserve, up to t; the chosen samples are copied into the final store. A chosen sample's <c>kept_for_entry</c>
/// and <c>keep_probability</c> are the refill's (a pair matched by several entries may now count for a rarer one, so
/// no entry has more than t); <c>reserve</c> stays true for a pair that came from the reserve.
/// </summary>
public static class RefillStage
{
    /// <summary>Shard name prefix in the final store.</summary>
    public const string ShardPrefix = "final";

    /// <summary>The pair file of the surviving samples (the refill's pool) in the refill folder.</summary>
    public const string SurvivorsFile = "survivors.parquet";

    /// <summary>
    /// Rebalances the match run in <paramref name="matches"/> over the samples of <paramref name="survivors"/>, writes the
    /// refilled pairs and data card to <paramref name="refillFolder"/>, and the chosen samples to <paramref name="final"/>.
    /// A rerun writes the same shards, which the final store's manifest already holds. <paramref name="format"/> is the final shards' file format.
    /// </summary>
    public static Task<RefillOutcome> RunAsync(
        string matches, IShardStore survivors, IShardStore final, string refillFolder, BalancerOptions options, ShardFormat format, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        RunAsync(matches, survivors, final, refillFolder, options, format, rankRunner: null, rankParallel: 1, progress, cancellationToken);

    /// <summary>As the other overload, with exact mode's bands ranked as work items by <paramref name="rankRunner"/>, <paramref name="rankParallel"/> at a time.</summary>
    public static async Task<RefillOutcome> RunAsync(
        string matches, IShardStore survivors, IShardStore final, string refillFolder, BalancerOptions options, ShardFormat format, IBandRankRunner? rankRunner, int rankParallel,
        IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        ArgumentNullException.ThrowIfNull(final);
        ArgumentNullException.ThrowIfNull(progress);
        var manifest = await new ManifestStore(survivors).LoadAsync(cancellationToken);

        // The survivors carry the entries they matched, so they are the pool: no join with the match run, and
        // nothing held per sample. Their pairs go to a pair file first, so the images are read once more only.
        Directory.CreateDirectory(refillFolder);
        var poolFile = Path.Combine(refillFolder, SurvivorsFile);
        long surviving = 0, withoutEntries = 0;
        async IAsyncEnumerable<MatchedPair> SurvivorPairs([EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var sample in ReadAllAsync(survivors, manifest, ct))
            {
                surviving++;
                withoutEntries += sample.MatchedEntryIds.Count == 0 ? 1 : 0;
                yield return new MatchedPair(sample.Key, sample.Url, sample.Caption, sample.PageUrl, sample.MatchedEntryIds);
            }
        }

        await AtomicFile.WriteAsync(poolFile, async (stream, ct) => await PairFile.WriteAsync(stream, SurvivorPairs(ct), ct), cancellationToken);
        if (withoutEntries > 0)
        {
            progress.Report(new StageProgress("refill", $"{withoutEntries:N0} of {surviving:N0} surviving samples carry no matched entries (not fetched from a balanced list) and cannot be chosen"));
        }

        var balance = await BalanceStage.RebalanceAsync(matches, [poolFile], refillFolder, options, rankRunner, rankParallel, progress, cancellationToken);

        // The chosen pairs come in the survivors' order: one merge, nothing looked up.
        var encoding = manifest.ImageColumn is { } column ? SampleSchema.ParseColumnName(column) : ImageEncoding.Jpg;
        long written = 0, fromReserve = 0;
        var perEntry = new Dictionary<int, long>();
        await using (var chosen = PairFile.ReadAsync(balance.BalancedFile, cancellationToken).GetAsyncEnumerator(cancellationToken))
        await using (var writer = new ShardWriter(final, new ShardWriterOptions { NamePrefix = ShardPrefix, Encoding = encoding, Format = format }))
        {
            var next = await chosen.MoveNextAsync() ? chosen.Current : null;
            await foreach (var sample in ReadAllAsync(survivors, manifest, cancellationToken))
            {
                if (next is not null && next.Key == sample.Key)
                {
                    var decision = next.Balance!;
                    await writer.WriteAsync(sample with { KeptForEntry = decision.Entry, KeepProbability = decision.KeepProbability }, cancellationToken);
                    written++;
                    fromReserve += sample.Reserve == true ? 1 : 0;
                    perEntry[decision.Entry] = perEntry.GetValueOrDefault(decision.Entry) + 1;
                    next = await chosen.MoveNextAsync() ? chosen.Current : null;
                }
            }

            if (next is not null)
            {
                throw new InvalidDataException($"the surviving store changed during the refill: chosen sample {next.Key} was not found in its order");
            }

            await writer.CompleteAsync(cancellationToken);
        }

        var shards = (await new ManifestStore(final).LoadAsync(cancellationToken)).Shards.Count;
        progress.Report(new StageProgress("refill", $"{written:N0} of {surviving:N0} surviving samples chosen, {fromReserve:N0} of them from the reserve; {shards} shards"));
        return new RefillOutcome(balance.Card, surviving, written, fromReserve, shards, perEntry);
    }

    /// <summary>Every sample of the store in manifest and row order (no shuffle: the copy is the same on every run).</summary>
    private static async IAsyncEnumerable<Sample> ReadAllAsync(IShardStore store, ShardManifest manifest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, cancellationToken))
                {
                    yield return sample;
                }
            }
        }
    }
}
