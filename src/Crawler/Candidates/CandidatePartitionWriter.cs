using System.IO.Hashing;
using System.Text;
using Pipeline.Sharding.Storage;

namespace Pipeline.Crawler.Candidates;

/// <summary>
/// Cuts a stream of candidates into partition files by key hash (<c>part-NNNN.jsonl</c>), each sorted by key with one
/// line per key, the first seen, so a rerun over the same input writes identical files. At most
/// <c>runLength</c> candidates are held in memory: a full buffer is spilled to disk as a sorted run, and the runs are
/// merged at the end, so memory does not grow with the pool.
/// </summary>
public sealed class CandidatePartitionWriter : IDisposable
{
    private const string RunFolderName = ".extract-runs";
    private readonly string _folder;
    private readonly int _partitions;
    private readonly int _runLength;
    private readonly string _runs;
    private readonly List<string> _runFiles = [];
    private Dictionary<string, string> _buffer = new(StringComparer.Ordinal);

    /// <summary>Writes into <paramref name="folder"/>, cut into <paramref name="partitions"/> files, spilling every <paramref name="runLength"/> distinct candidates.</summary>
    public CandidatePartitionWriter(string folder, int partitions, int runLength)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(runLength, 1);
        _folder = Path.GetFullPath(folder);
        _partitions = partitions;
        _runLength = runLength;
        _runs = Path.Combine(_folder, RunFolderName);

        // Runs of an interrupted earlier attempt are not this attempt's: the extract starts over.
        if (Directory.Exists(_runs))
        {
            Directory.Delete(_runs, recursive: true);
        }
    }

    /// <summary>Candidates added, duplicates included.</summary>
    public long Added { get; private set; }

    /// <summary>Sorted runs spilled to disk so far.</summary>
    public int Runs { get; private set; }

    /// <summary>The most candidates held in memory at once.</summary>
    public int PeakBuffered { get; private set; }

    /// <summary>The partition file of <paramref name="partition"/>.</summary>
    public string PartitionPath(int partition) => Path.Combine(_folder, $"part-{partition:D4}.jsonl");

    /// <summary>The partition a key belongs to.</summary>
    public static int PartitionOf(string key, int partitions) => (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key)) % (ulong)partitions);

    /// <summary>Adds a candidate; a key already in this run keeps its first line.</summary>
    public ValueTask AddAsync(ImageCandidate candidate, CancellationToken cancellationToken) => AddAsync(CandidateLine.From(candidate), cancellationToken);

    /// <summary>Adds a candidate line (e.g. read from a URL list); a key already in this run keeps its first line.</summary>
    public async ValueTask AddAsync(CandidateLine line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        Added++;
        _buffer.TryAdd(line.Key, line.ToJson());
        PeakBuffered = Math.Max(PeakBuffered, _buffer.Count);
        if (_buffer.Count >= _runLength)
        {
            await SpillAsync(cancellationToken);
        }
    }

    /// <summary>Merges the runs into the partition files (each written atomically) and returns the distinct candidates written.</summary>
    public async Task<long> CompleteAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        var sources = new List<IAsyncEnumerator<RunLine>>();
        try
        {
            foreach (var run in _runFiles)
            {
                sources.Add(ReadRunAsync(run, cancellationToken).GetAsyncEnumerator(cancellationToken));
            }

            // The last buffer is merged from memory; it is the newest run, so it loses ties to spilled ones.
            sources.Add(Sorted(_buffer).ToAsyncEnumerable().GetAsyncEnumerator(cancellationToken));
            _buffer = new Dictionary<string, string>(StringComparer.Ordinal);
            var merge = new RunMerge(sources);
            await merge.StartAsync();
            long written = 0;
            for (var p = 0; p < _partitions; p++)
            {
                await AtomicFile.WriteAsync(PartitionPath(p), async (stream, ct) =>
                {
                    await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                    while (merge.Current is { } next && next.Partition == p)
                    {
                        await writer.WriteAsync(next.Json);
                        await writer.WriteAsync('\n');
                        written++;
                        await merge.MoveNextDistinctAsync(ct);
                    }
                }, cancellationToken);
            }

            return written;
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }

            Dispose();
        }
    }

    /// <summary>Removes the spilled runs.</summary>
    public void Dispose()
    {
        if (Directory.Exists(_runs))
        {
            Directory.Delete(_runs, recursive: true);
        }

        _runFiles.Clear();
    }

    private IEnumerable<RunLine> Sorted(Dictionary<string, string> buffer) =>
        buffer.Select(p => new RunLine(PartitionOf(p.Key, _partitions), p.Key, p.Value)).Order(RunLine.Order);

    private async Task SpillAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_runs);
        var path = Path.Combine(_runs, $"run-{_runFiles.Count:D6}.tsv");
        await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            foreach (var line in Sorted(_buffer))
            {
                cancellationToken.ThrowIfCancellationRequested();

                // The key leads so the merge reads it without parsing JSON; keys are hex digests, the JSON has no raw tab.
                await writer.WriteAsync(line.Key);
                await writer.WriteAsync('\t');
                await writer.WriteAsync(line.Json);
                await writer.WriteAsync('\n');
            }
        }

        _runFiles.Add(path);
        Runs++;
        _buffer = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private async IAsyncEnumerable<RunLine> ReadRunAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false), false, 1 << 16);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0)
            {
                throw new InvalidDataException($"extract run {path}: a line without its key");
            }

            var key = line[..tab];
            yield return new RunLine(PartitionOf(key, _partitions), key, line[(tab + 1)..]);
        }
    }

    /// <summary>A candidate in a run: its partition, key and JSON line.</summary>
    private sealed record RunLine(int Partition, string Key, string Json)
    {
        public static readonly Comparer<RunLine> Order = Comparer<RunLine>.Create(static (a, b) =>
            a.Partition != b.Partition ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Key, b.Key));
    }

    /// <summary>A k-way merge of sorted runs in (partition, key) order; of equal keys the earliest run's line wins.</summary>
    private sealed class RunMerge(List<IAsyncEnumerator<RunLine>> sources)
    {
        private readonly PriorityQueue<int, (RunLine Line, int Run)> _heads = new(Comparer<(RunLine Line, int Run)>.Create(static (a, b) =>
        {
            var order = RunLine.Order.Compare(a.Line, b.Line);
            return order != 0 ? order : a.Run.CompareTo(b.Run);
        }));

        /// <summary>The smallest line not yet written; null when every run is done.</summary>
        public RunLine? Current { get; private set; }

        public async Task StartAsync()
        {
            for (var run = 0; run < sources.Count; run++)
            {
                await AdvanceAsync(run);
            }

            Current = await PopAsync();
        }

        /// <summary>Moves past every line with the current key.</summary>
        public async ValueTask MoveNextDistinctAsync(CancellationToken cancellationToken)
        {
            var previous = Current!;
            RunLine? next;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                next = await PopAsync();
            }
            while (next is not null && next.Partition == previous.Partition && next.Key == previous.Key);
            Current = next;
        }

        private async ValueTask<RunLine?> PopAsync()
        {
            if (!_heads.TryDequeue(out var run, out var head))
            {
                return null;
            }

            await AdvanceAsync(run);
            return head.Line;
        }

        private async ValueTask AdvanceAsync(int run)
        {
            if (await sources[run].MoveNextAsync())
            {
                _heads.Enqueue(run, (sources[run].Current, run));
            }
        }
    }
}
