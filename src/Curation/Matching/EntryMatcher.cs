using System.Buffers;
using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Finds every entry that occurs in a caption, with MetaCLIP's semantics (see <see cref="CaptionSpacing"/>): entry
/// <c>e</c> matches where <c>" " + e + " "</c> occurs in the spaced text. Built once, then shared read-only by
/// any number of threads.
/// </summary>
/// <remarks>
/// Because every pattern starts and ends with a space, an occurrence always spans whole space-separated tokens
/// of the spaced text: <c>" e "</c> occurs exactly where the tokens of <c>e</c> (split at single spaces, empty
/// tokens included) equal consecutive tokens of the text that are preceded and followed by a space. So the
/// matcher is a trie over words instead of characters: each text token is looked up once in the vocabulary,
/// then, from each token, the trie is walked a word at a time. That is the same answer as an Aho-Corasick
/// automaton over <c>" e "</c> (pyahocorasick in MetaCLIP), with about one cache miss per word instead of one
/// per character in a multi-million-state automaton. Words are known by a 64-bit XXH3 of their characters and
/// edges live in one open-addressing table, so a step is one probe; a hash collision could only add a false
/// candidate, and every candidate is compared with its entry's text before it is reported. Matching is on UTF-16 code units; for well-formed text that
/// equals matching code points.
/// </remarks>
public sealed class EntryMatcher
{
    private const int StackLimit = 512;

    private readonly EdgeTable _edges;
    private readonly int[] _idStart;
    private readonly int[] _ids;
    private readonly string[] _patterns;

    private EntryMatcher(EdgeTable edges, int[] idStart, int[] ids, string[] patterns, int entries, bool caseInsensitive, TimeSpan buildTime)
    {
        _edges = edges;
        _idStart = idStart;
        _ids = ids;
        _patterns = patterns;
        EntryCount = entries;
        CaseInsensitive = caseInsensitive;
        BuildTime = buildTime;
    }

    /// <summary>Number of entries the matcher was built from; ids run from 0 to this minus one.</summary>
    public int EntryCount { get; }

    /// <summary>Whether text and entries are lower-cased before matching.</summary>
    public bool CaseInsensitive { get; }

    /// <summary>States of the word trie (the root included).</summary>
    public int States => _idStart.Length - 1;

    /// <summary>Time <see cref="Build"/> took.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>Bytes held beyond the entries' own strings: the edge table and the output arrays.</summary>
    public long MemoryBytes => _edges.MemoryBytes + ((_idStart.LongLength + _ids.LongLength) * sizeof(int)) + (_patterns.LongLength * IntPtr.Size);

    /// <summary>Builds the matcher. Entry ids are positions in <paramref name="entries"/>; an entry listed twice matches under both ids.</summary>
    /// <exception cref="ArgumentException">An entry is empty.</exception>
    public static EntryMatcher Build(IReadOnlyList<string> entries, MatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var caseInsensitive = options?.CaseInsensitive ?? false;
        var stopwatch = Stopwatch.StartNew();
        var edges = new Dictionary<(int Node, ulong Word), int>();
        var patterns = new string[entries.Count];
        var terminals = new List<(int Node, int Id)>(entries.Count);
        var nodes = 1;
        for (var id = 0; id < entries.Count; id++)
        {
            var entry = entries[id];
            if (string.IsNullOrEmpty(entry))
            {
                throw new ArgumentException($"entry {id} is empty; an empty entry would match every double space", nameof(entries));
            }

            patterns[id] = caseInsensitive ? entry.ToLowerInvariant() : entry;
            var node = 0;
            foreach (var token in patterns[id].Split(' '))
            {
                var key = (node, WordHash(token));
                if (!edges.TryGetValue(key, out var child))
                {
                    edges[key] = child = nodes++;
                }

                node = child;
            }

            terminals.Add((node, id));
        }

        var idStart = new int[nodes + 1];
        foreach (var (node, _) in terminals)
        {
            idStart[node + 1]++;
        }

        for (var i = 0; i < nodes; i++)
        {
            idStart[i + 1] += idStart[i];
        }

        var ids = new int[terminals.Count];
        var fill = (int[])idStart.Clone();
        foreach (var (node, id) in terminals)
        {
            ids[fill[node]++] = id;
        }

        return new EntryMatcher(new EdgeTable(edges), idStart, ids, patterns, entries.Count, caseInsensitive, stopwatch.Elapsed);
    }

    /// <summary>Returns the ids of every entry that occurs in <paramref name="text"/>, ascending, each once.</summary>
    public int[] Match(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<int>();
        Match(text, found);
        return [.. found];
    }

    /// <summary>Fills <paramref name="matches"/> (cleared first) with the ids of every entry in <paramref name="text"/>, ascending, each once; returns how many.</summary>
    public int Match(ReadOnlySpan<char> text, List<int> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        matches.Clear();
        var length = CaptionSpacing.MaxLength(text.Length);
        char[]? rentedText = null;
        var spaced = length <= StackLimit ? stackalloc char[StackLimit] : (rentedText = ArrayPool<char>.Shared.Rent(length));
        length = CaptionSpacing.Write(text, spaced, CaseInsensitive);

        // Hash and start of every token between two spaces, in one pass; the spaced text starts and ends with a
        // space, so the empty first and last tokens are never part of a match. Token t ends one before
        // starts[t + 1]. There are fewer tokens than characters, which sizes the buffers.
        ulong[]? rentedHashes = null;
        int[]? rentedStarts = null;
        var hashes = length <= StackLimit ? stackalloc ulong[StackLimit] : (rentedHashes = ArrayPool<ulong>.Shared.Rent(length));
        var starts = length <= StackLimit ? stackalloc int[StackLimit] : (rentedStarts = ArrayPool<int>.Shared.Rent(length));
        var tokenCount = 0;
        var start = 1;
        for (int end; (end = spaced[start..length].IndexOf(' ')) >= 0; start += end + 1)
        {
            starts[tokenCount] = start;
            hashes[tokenCount++] = WordHash(spaced.Slice(start, end));
        }

        starts[tokenCount] = start;
        for (var first = 0; first < tokenCount; first++)
        {
            var node = 0;
            for (var t = first; t < tokenCount; t++)
            {
                node = _edges.Find(node, hashes[t]);
                if (node == 0)
                {
                    break;
                }

                for (var i = _idStart[node]; i < _idStart[node + 1]; i++)
                {
                    var id = _ids[i];
                    if (spaced[starts[first]..(starts[t + 1] - 1)].SequenceEqual(_patterns[id]))
                    {
                        matches.Add(id);
                    }
                }
            }
        }

        if (rentedText is not null)
        {
            ArrayPool<char>.Shared.Return(rentedText);
        }

        if (rentedHashes is not null)
        {
            ArrayPool<ulong>.Shared.Return(rentedHashes);
        }

        if (rentedStarts is not null)
        {
            ArrayPool<int>.Shared.Return(rentedStarts);
        }

        if (matches.Count > 1)
        {
            matches.Sort();
            var kept = 1;
            for (var i = 1; i < matches.Count; i++)
            {
                if (matches[i] != matches[kept - 1])
                {
                    matches[kept++] = matches[i];
                }
            }

            matches.RemoveRange(kept, matches.Count - kept);
        }

        return matches.Count;
    }

    private static ulong WordHash(ReadOnlySpan<char> word) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(word));

    /// <summary>The trie's edges, (node, word hash) to child, in one open-addressing table with linear probing: a lookup is usually one 16-byte slot.</summary>
    private sealed class EdgeTable
    {
        private readonly Slot[] _slots;
        private readonly int _mask;

        public EdgeTable(Dictionary<(int Node, ulong Word), int> edges)
        {
            var capacity = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(edges.Count * 2)));
            _slots = new Slot[capacity];
            _mask = capacity - 1;
            foreach (var ((node, word), child) in edges)
            {
                var i = Index(node, word);
                while (_slots[i].Child != 0)
                {
                    i = (i + 1) & _mask;
                }

                _slots[i] = new Slot(word, node, child);
            }
        }

        public long MemoryBytes => _slots.LongLength * 16;

        /// <summary>The child of <paramref name="node"/> along <paramref name="word"/>, or 0 (the root is never a child).</summary>
        public int Find(int node, ulong word)
        {
            for (var i = Index(node, word); ; i = (i + 1) & _mask)
            {
                ref readonly var slot = ref _slots[i];
                if (slot.Child == 0)
                {
                    return 0;
                }

                if (slot.Word == word && slot.Node == node)
                {
                    return slot.Child;
                }
            }
        }

        private int Index(int node, ulong word) => (int)((word ^ ((ulong)(uint)node * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL >> 32) & _mask;

        private readonly record struct Slot(ulong Word, int Node, int Child);
    }
}
