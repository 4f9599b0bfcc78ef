using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Reading;

/// <summary>
/// Streams samples to one training process. Each epoch, the row groups of all shards are put in a seeded order
/// and dealt round-robin to the ranks, so W readers together see every sample exactly once and no rank has more
/// than one row group more than another. A rank's samples pass through a shuffle buffer; row groups are fetched
/// ahead by a background task. <see cref="SavePosition"/> records where it stands; a new reader started from
/// that position continues the identical sequence.
/// </summary>
public sealed class ShardStreamReader
{
    private const int MaxOpenShards = 64;

    private readonly IShardStore _store;
    private readonly ShardManifest _manifest;
    private readonly ShardStreamOptions _options;
    private readonly string _fingerprint;

    // The live state, valid while an enumeration is suspended at a yield.
    private int _epoch;
    private int _nextUnit;
    private SplitMix64 _rng;
    private readonly List<(SampleRef Ref, Sample Sample)> _buffer = [];

    public ShardStreamReader(IShardStore store, ShardManifest manifest, ShardStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _manifest = manifest;
        _options = options;
        _fingerprint = Fingerprint(manifest);
        _rng = new SplitMix64(ShuffleSeed(0));
    }

    /// <summary>Samples this rank reads per epoch.</summary>
    public long SamplesPerEpoch(int epoch) => UnitsFor(epoch).Sum(u => (long)_manifest.Shards[u.Shard].RowGroups[u.RowGroup].Rows);

    /// <summary>Where the reader stands after the last sample it returned.</summary>
    public ReaderPosition SavePosition() =>
        new(_fingerprint, _epoch, _nextUnit, _rng.State, [.. _buffer.Select(b => b.Ref)]);

    /// <summary>Reads from the start, or from <paramref name="from"/> when resuming.</summary>
    /// <exception cref="ArgumentException">The position was saved over a different manifest or options.</exception>
    public async IAsyncEnumerable<Sample> ReadAsync(ReaderPosition? from = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (from is not null && from.ManifestFingerprint != _fingerprint)
        {
            throw new ArgumentException($"the position was saved over a different shard list (fingerprint {from.ManifestFingerprint}, now {_fingerprint}); resume with the manifest it was saved with", nameof(from));
        }

        await using var shards = new OpenShards(_store, _manifest);
        for (var epoch = from?.Epoch ?? 0; _options.Epochs is not { } last || epoch < last; epoch++)
        {
            var units = UnitsFor(epoch);
            _epoch = epoch;
            _buffer.Clear();
            if (from is not null && epoch == from.Epoch)
            {
                _nextUnit = from.NextUnit;
                _rng = new SplitMix64(from.RngState);
                await RefillFromPositionAsync(shards, from.Buffered, cancellationToken);
            }
            else
            {
                _nextUnit = 0;
                _rng = new SplitMix64(ShuffleSeed(epoch));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var prefetched = Channel.CreateBounded<(SampleRef[] Refs, Sample[] Samples)>(_options.PrefetchRowGroups);
            var producer = PrefetchAsync(shards, units, _nextUnit, prefetched.Writer, stop.Token);
            try
            {
                while (true)
                {
                    while (_buffer.Count < _options.ShuffleBuffer && _nextUnit < units.Count)
                    {
                        var (refs, samples) = await TakeAsync(prefetched.Reader, cancellationToken);
                        for (var i = 0; i < samples.Length; i++)
                        {
                            _buffer.Add((refs[i], samples[i]));
                        }

                        _nextUnit++;
                    }

                    if (_buffer.Count == 0)
                    {
                        break;
                    }

                    // Take a uniformly chosen sample; the last one fills its slot.
                    var pick = _rng.Next(_buffer.Count);
                    var chosen = _buffer[pick].Sample;
                    _buffer[pick] = _buffer[^1];
                    _buffer.RemoveAt(_buffer.Count - 1);
                    yield return chosen;
                }
            }
            finally
            {
                await stop.CancelAsync();
                try
                {
                    await producer;
                }
                catch (OperationCanceledException)
                {
                }
                catch (ChannelClosedException)
                {
                }
            }

            from = null;
        }
    }

    /// <summary>The next prefetched row group; a fetch failure surfaces as the producer's own exception.</summary>
    private static async Task<(SampleRef[] Refs, Sample[] Samples)> TakeAsync(ChannelReader<(SampleRef[], Sample[])> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private ulong ShuffleSeed(int epoch) => SplitMix64.Mix(_options.Seed, (ulong)epoch, (ulong)_options.Rank, 2);

    /// <summary>This rank's row groups for an epoch: all row groups in a seeded order, every W-th from the rank's offset.</summary>
    private List<SampleRef> UnitsFor(int epoch)
    {
        var all = new List<SampleRef>();
        for (var s = 0; s < _manifest.Shards.Count; s++)
        {
            for (var g = 0; g < _manifest.Shards[s].RowGroups.Count; g++)
            {
                all.Add(new SampleRef(s, g, 0));
            }
        }

        var order = new SplitMix64(SplitMix64.Mix(_options.Seed, (ulong)epoch, 1));
        for (var i = all.Count - 1; i > 0; i--)
        {
            var j = order.Next(i + 1);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var mine = new List<SampleRef>();
        for (var i = _options.Rank; i < all.Count; i += _options.WorldSize)
        {
            mine.Add(all[i]);
        }

        return mine;
    }

    private static async Task PrefetchAsync(OpenShards shards, List<SampleRef> units, int start, ChannelWriter<(SampleRef[], Sample[])> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            for (var u = start; u < units.Count; u++)
            {
                var unit = units[u];
                var samples = await shards.ReadRowGroupAsync(unit.Shard, unit.RowGroup, cancellationToken);
                var refs = new SampleRef[samples.Length];
                for (var r = 0; r < refs.Length; r++)
                {
                    refs[r] = unit with { Row = r };
                }

                await writer.WriteAsync((refs, samples), cancellationToken);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            // The consumer sees a fetch error (a corrupt shard, a network failure) as its own exception.
            writer.TryComplete(failure);
        }
    }

    private async Task RefillFromPositionAsync(OpenShards shards, IReadOnlyList<SampleRef> buffered, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<(int, int), Sample[]>();
        foreach (var reference in buffered)
        {
            if (!groups.TryGetValue((reference.Shard, reference.RowGroup), out var rows))
            {
                rows = await shards.ReadRowGroupAsync(reference.Shard, reference.RowGroup, cancellationToken);
                groups[(reference.Shard, reference.RowGroup)] = rows;
            }

            _buffer.Add((reference, rows[reference.Row]));
        }
    }

    private static string Fingerprint(ShardManifest manifest)
    {
        var text = new StringBuilder();
        foreach (var shard in manifest.Shards)
        {
            text.Append(shard.Name).Append(' ').Append(shard.Sha256).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>Open shard readers (their footers), a bounded number at a time.</summary>
    private sealed class OpenShards(IShardStore store, ShardManifest manifest) : IAsyncDisposable
    {
        private readonly Dictionary<int, ShardFileReader> _open = [];
        private readonly Queue<int> _age = new();
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task<Sample[]> ReadRowGroupAsync(int shard, int rowGroup, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (!_open.TryGetValue(shard, out var reader))
                {
                    if (_open.Count >= MaxOpenShards)
                    {
                        var oldest = _age.Dequeue();
                        await _open[oldest].DisposeAsync();
                        _open.Remove(oldest);
                    }

                    reader = await ShardFileReader.OpenAsync(store, manifest.Shards[shard], cancellationToken);
                    _open[shard] = reader;
                    _age.Enqueue(shard);
                }

                return await reader.ReadRowGroupAsync(rowGroup, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var reader in _open.Values)
            {
                await reader.DisposeAsync();
            }

            _gate.Dispose();
        }
    }
}
