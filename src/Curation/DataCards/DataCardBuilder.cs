using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.DataCards;

/// <summary>Tallies balanced pairs into a <see cref="DataCard"/>, an <c>entry_counts.tsv</c> and a head/tail plot.</summary>
public sealed class DataCardBuilder(IReadOnlyList<string> entries, EntryCounts matched, BalancerOptions options)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly long[] _keptFor = new long[matched.EntryCount];
    private readonly long[] _reserve = new long[matched.EntryCount];
    private long _kept;
    private long _reserved;
    private long _keptInCapped;

    /// <summary>Counts one balanced pair.</summary>
    public void Add(MatchedPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        if (pair.Balance is not { } decision)
        {
            return;
        }

        if (decision.Reserve)
        {
            _reserve[decision.Entry]++;
            _reserved++;
            return;
        }

        _keptFor[decision.Entry]++;
        _kept++;
        if (matched[decision.Entry] > options.Threshold)
        {
            _keptInCapped++;
        }
    }

    /// <summary>The card, given how many matched pairs matched a capped entry (<paramref name="pairsInCapped"/>) out of <paramref name="pairsMatched"/>.</summary>
    public DataCard Build(long pairsMatched, long pairsInCapped)
    {
        var counts = matched.AsSpan();
        var head = Enumerable.Range(0, counts.Length).Where(i => matched[i] > 0).OrderByDescending(i => matched[i]).ThenBy(i => i).Take(20)
            .Select(Entry).ToArray();
        var buckets = new List<DataCardBucket>();
        for (long from = 1; from <= Math.Max(1, Max(counts)); from *= 10)
        {
            var to = (from * 10) - 1;
            buckets.Add(new DataCardBucket(from, to, CountIn(counts, from, to), CountIn(_keptFor, from, to)));
        }

        return new DataCard
        {
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Threshold = options.Threshold,
            Seed = options.Seed,
            Entries = entries.Count,
            EntriesMatched = CountIn(counts, 1, long.MaxValue),
            EntriesWithKeptPairs = CountIn(_keptFor, 1, long.MaxValue),
            CappedEntries = CountIn(counts, options.Threshold + 1L, long.MaxValue),
            PairsMatched = pairsMatched,
            PairsKept = _kept,
            PairsReserve = _reserved,
            ShareInCappedEntriesBefore = pairsMatched == 0 ? 0 : Math.Round(pairsInCapped / (double)pairsMatched, 6),
            ShareInCappedEntriesAfter = _kept == 0 ? 0 : Math.Round(_keptInCapped / (double)_kept, 6),
            MaxKeptForOneEntry = Max(_keptFor),
            Head = head,
            Distribution = buckets,
        };
    }

    /// <summary>Writes <c>datacard.json</c>, <c>datacard.png</c> and <c>entry_counts.tsv</c> into <paramref name="folder"/>.</summary>
    public async Task WriteAsync(string folder, DataCard card, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        Directory.CreateDirectory(folder);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(folder, "datacard.json"), JsonSerializer.SerializeToUtf8Bytes(card, Json), cancellationToken);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(folder, "datacard.png"), HeadTailPlot.Render(matched.AsSpan(), _keptFor, options.Threshold), cancellationToken);
        await AtomicFile.WriteAsync(Path.Combine(folder, "entry_counts.tsv"), async (stream, ct) =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            await writer.WriteLineAsync("id\tentry\tmatched\tkept_for\treserve");
            for (var id = 0; id < matched.EntryCount; id++)
            {
                if (matched[id] > 0)
                {
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{id}\t{entries[id].Replace('\t', ' ')}\t{matched[id]}\t{_keptFor[id]}\t{_reserve[id]}"));
                }
            }
        }, cancellationToken);
    }

    private DataCardEntry Entry(int id) => new(id, entries[id], matched[id], _keptFor[id], _reserve[id]);

    private static long Max(ReadOnlySpan<long> values)
    {
        long max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    private static int CountIn(ReadOnlySpan<long> values, long from, long to)
    {
        var n = 0;
        foreach (var v in values)
        {
            if (v >= from && v <= to)
            {
                n++;
            }
        }

        return n;
    }
}
