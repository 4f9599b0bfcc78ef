using System.Diagnostics;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Finds every entry that occurs in a caption, with MetaCLIP's semantics (see <see cref="CaptionSpacing"/>): an
/// Aho-Corasick automaton over the spaced entries <c>" entry "</c>, built once and then shared read-only by any
/// number of threads.
/// </summary>
/// <remarks>
/// The trie is stored breadth-first, so the children of a node are consecutive nodes, in ascending order of their
/// character: a node needs no edge list, only the index of its first child. That keeps a node at 18 bytes
/// (label, first child, failure link, output link, first output id) and makes a transition a short scan or a
/// binary search over adjacent memory. The root, which every mismatch comes back to, has a dense table.
/// Matching works on UTF-16 code units; for well-formed text that finds exactly the code-point substrings.
/// </remarks>
public sealed class EntryMatcher
{
    private const int LinearScanLimit = 8;

    private readonly char[] _label;
    private readonly int[] _childStart;
    private readonly int[] _fail;
    private readonly int[] _outLink;
    private readonly int[] _idStart;
    private readonly int[] _ids;
    private readonly int[] _rootNext;

    private EntryMatcher(char[] label, int[] childStart, int[] fail, int[] outLink, int[] idStart, int[] ids, int[] rootNext, int entries, bool caseInsensitive, TimeSpan buildTime)
    {
        _label = label;
        _childStart = childStart;
        _fail = fail;
        _outLink = outLink;
        _idStart = idStart;
        _ids = ids;
        _rootNext = rootNext;
        EntryCount = entries;
        CaseInsensitive = caseInsensitive;
        BuildTime = buildTime;
    }

    /// <summary>Number of entries the matcher was built from; ids run from 0 to this minus one.</summary>
    public int EntryCount { get; }

    /// <summary>Whether text and entries are lower-cased before matching.</summary>
    public bool CaseInsensitive { get; }

    /// <summary>States of the automaton (trie nodes, the root included).</summary>
    public int States => _label.Length;

    /// <summary>Time <see cref="Build"/> took.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>Bytes held by the automaton's arrays.</summary>
    public long MemoryBytes =>
        (_label.LongLength * sizeof(char)) + ((_childStart.LongLength + _fail.LongLength + _outLink.LongLength + _idStart.LongLength + _ids.LongLength + _rootNext.LongLength) * sizeof(int));

    /// <summary>Builds the automaton. Entry ids are positions in <paramref name="entries"/>; an entry listed twice matches under both ids.</summary>
    /// <exception cref="ArgumentException">An entry is empty.</exception>
    public static EntryMatcher Build(IReadOnlyList<string> entries, MatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var caseInsensitive = options?.CaseInsensitive ?? false;
        var stopwatch = Stopwatch.StartNew();
        var patterns = new string[entries.Count];
        long totalChars = 1;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (string.IsNullOrEmpty(entry))
            {
                throw new ArgumentException($"entry {i} is empty; an empty entry would match every double space", nameof(entries));
            }

            patterns[i] = " " + (caseInsensitive ? entry.ToLowerInvariant() : entry) + " ";
            totalChars += patterns[i].Length;
        }

        // Sorted patterns let insertion find an existing child by looking only at the node's last child.
        var order = Enumerable.Range(0, patterns.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = string.CompareOrdinal(patterns[a], patterns[b]);
            return c != 0 ? c : a.CompareTo(b);
        });

        var trie = new TrieBuilder(checked((int)Math.Min(totalChars, int.MaxValue)));
        foreach (var id in order)
        {
            trie.Insert(patterns[id], id);
        }

        var matcher = trie.Compile(entries.Count, caseInsensitive, stopwatch);
        return matcher;
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
        var state = Emit(Step(0, ' '), matches);
        foreach (var raw in text)
        {
            if (CaptionSpacing.IsWrapped(raw))
            {
                state = Emit(Step(state, ' '), matches);
                state = Emit(Step(state, raw), matches);
                state = Emit(Step(state, ' '), matches);
                continue;
            }

            var c = CaptionSpacing.IsSpaced(raw) ? ' ' : CaseInsensitive ? char.ToLowerInvariant(raw) : raw;
            state = Emit(Step(state, c), matches);
        }

        Emit(Step(state, ' '), matches);
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

    private int Emit(int state, List<int> matches)
    {
        for (var node = _outLink[state]; node >= 0; node = _outLink[_fail[node]])
        {
            for (var i = _idStart[node]; i < _idStart[node + 1]; i++)
            {
                matches.Add(_ids[i]);
            }
        }

        return state;
    }

    private int Step(int state, char c)
    {
        while (state != 0)
        {
            var child = FindChild(_label, _childStart, state, c);
            if (child >= 0)
            {
                return child;
            }

            state = _fail[state];
        }

        return _rootNext[c];
    }

    private static int FindChild(char[] label, int[] childStart, int node, char c)
    {
        int low = childStart[node], high = childStart[node + 1] - 1;
        if (high - low < LinearScanLimit)
        {
            for (var i = low; i <= high; i++)
            {
                if (label[i] == c)
                {
                    return i;
                }
            }

            return -1;
        }

        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var m = label[mid];
            if (m == c)
            {
                return mid;
            }

            if (m < c)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>The trie while it is built: nodes in insertion order with sibling links, then renumbered breadth-first.</summary>
    private sealed class TrieBuilder(int capacity)
    {
        private readonly List<char> _label = new(capacity) { '\0' };
        private readonly List<int> _parent = new(capacity) { -1 };
        private readonly List<int> _firstChild = new(capacity) { -1 };
        private readonly List<int> _lastChild = new(capacity) { -1 };
        private readonly List<int> _nextSibling = new(capacity) { -1 };
        private readonly List<(int Node, int Id)> _terminals = [];

        public void Insert(string pattern, int id)
        {
            var node = 0;
            foreach (var c in pattern)
            {
                var last = _lastChild[node];
                if (last >= 0 && _label[last] == c)
                {
                    node = last;
                    continue;
                }

                var created = _label.Count;
                _label.Add(c);
                _parent.Add(node);
                _firstChild.Add(-1);
                _lastChild.Add(-1);
                _nextSibling.Add(-1);
                if (last < 0)
                {
                    _firstChild[node] = created;
                }
                else
                {
                    _nextSibling[last] = created;
                }

                _lastChild[node] = created;
                node = created;
            }

            _terminals.Add((node, id));
        }

        public EntryMatcher Compile(int entries, bool caseInsensitive, Stopwatch stopwatch)
        {
            var count = _label.Count;
            var renumbered = new int[count];
            var bfs = new int[count];
            var label = new char[count];
            var parent = new int[count];
            var childStart = new int[count + 1];
            int head = 0, tail = 1;
            while (head < count)
            {
                var old = bfs[head];
                childStart[head] = tail;
                for (var child = _firstChild[old]; child >= 0; child = _nextSibling[child])
                {
                    bfs[tail] = child;
                    renumbered[child] = tail;
                    label[tail] = _label[child];
                    parent[tail] = head;
                    tail++;
                }

                head++;
            }

            childStart[count] = count;
            var rootNext = new int[char.MaxValue + 1];
            for (var child = childStart[0]; child < childStart[1]; child++)
            {
                rootNext[label[child]] = child;
            }

            // Output ids, grouped per node in breadth-first order.
            var idStart = new int[count + 1];
            foreach (var (node, _) in _terminals)
            {
                idStart[renumbered[node] + 1]++;
            }

            for (var i = 0; i < count; i++)
            {
                idStart[i + 1] += idStart[i];
            }

            var ids = new int[_terminals.Count];
            var fill = (int[])idStart.Clone();
            foreach (var (node, id) in _terminals.OrderBy(t => t.Id))
            {
                ids[fill[renumbered[node]]++] = id;
            }

            var fail = new int[count];
            var outLink = new int[count];
            outLink[0] = -1;
            for (var v = 1; v < count; v++)
            {
                var p = parent[v];
                if (p != 0)
                {
                    var c = label[v];
                    var f = fail[p];
                    while (true)
                    {
                        if (f == 0)
                        {
                            fail[v] = rootNext[c];
                            break;
                        }

                        var next = FindChild(label, childStart, f, c);
                        if (next >= 0)
                        {
                            fail[v] = next;
                            break;
                        }

                        f = fail[f];
                    }
                }

                outLink[v] = idStart[v + 1] > idStart[v] ? v : outLink[fail[v]];
            }

            return new EntryMatcher(label, childStart, fail, outLink, idStart, ids, rootNext, entries, caseInsensitive, stopwatch.Elapsed);
        }
    }
}
