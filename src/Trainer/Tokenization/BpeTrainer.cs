using System.Text;

namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// Learns CLIP-style byte-level BPE merges from text (Sennrich et al.): words are pre-tokenized and lower-cased
/// as <see cref="ClipPreTokenizer"/> does, spelled as byte symbols with <c>&lt;/w&gt;</c> on the last one, and the
/// most frequent adjacent pair is merged until the vocabulary is full. Pair counts are updated only for the words a
/// merge touches, and a lazy max-heap finds the next pair, so training is near linear in the merges' reach rather
/// than merges times corpus. Ties go to the ordinally smaller pair, so the result is deterministic.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on <paramref name="texts"/> up to <paramref name="vocabularySize"/> tokens (512 byte symbols + merges + 2 special tokens); a pair seen fewer than <paramref name="minPairCount"/> times is never merged.</summary>
    public static BpeVocabulary Train(IEnumerable<string> texts, int vocabularySize, int minPairCount = 2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var maxMerges = vocabularySize - 514;
        if (maxMerges < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "a byte-level BPE vocabulary holds at least 514 tokens");
        }

        var words = CountWords(texts, cancellationToken);
        var symbols = new List<string>();
        var symbolIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int SymbolId(string s)
        {
            if (!symbolIds.TryGetValue(s, out var id))
            {
                id = symbols.Count;
                symbols.Add(s);
                symbolIds[s] = id;
            }

            return id;
        }

        var spelled = new List<int>[words.Count];
        var frequency = new long[words.Count];
        var index = 0;
        foreach (var (word, count) in words.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(word);
            var list = new List<int>(bytes.Length);
            for (var i = 0; i < bytes.Length; i++)
            {
                var symbol = ByteUnicodeMap.ToChar(bytes[i]).ToString();
                list.Add(SymbolId(i == bytes.Length - 1 ? symbol + BpeVocabulary.EndOfWord : symbol));
            }

            spelled[index] = list;
            frequency[index++] = count;
        }

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        for (var w = 0; w < spelled.Length; w++)
        {
            for (var i = 0; i + 1 < spelled[w].Count; i++)
            {
                var pair = (spelled[w][i], spelled[w][i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + frequency[w];
                (pairWords.TryGetValue(pair, out var set) ? set : pairWords[pair] = []).Add(w);
            }
        }

        var heap = new PriorityQueue<(int, int), (long Count, string Left, string Right)>(Comparer<(long Count, string Left, string Right)>.Create(static (a, b) =>
        {
            var byCount = b.Count.CompareTo(a.Count);
            if (byCount != 0)
            {
                return byCount;
            }

            var byLeft = string.CompareOrdinal(a.Left, b.Left);
            return byLeft != 0 ? byLeft : string.CompareOrdinal(a.Right, b.Right);
        }));
        foreach (var (pair, count) in pairCounts)
        {
            heap.Enqueue(pair, (count, symbols[pair.Item1], symbols[pair.Item2]));
        }

        var merges = new List<(string, string)>(maxMerges);
        while (merges.Count < maxMerges && heap.TryDequeue(out var best, out var priority))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (pairCounts.GetValueOrDefault(best) != priority.Count)
            {
                continue; // stale: the pair's count changed since this entry was queued
            }

            if (priority.Count < minPairCount)
            {
                break;
            }

            merges.Add((priority.Left, priority.Right));
            var merged = SymbolId(priority.Left + priority.Right);
            var touched = new HashSet<(int, int)>();
            foreach (var w in pairWords[best].ToArray())
            {
                ApplyMerge(spelled[w], best, merged, frequency[w], w, pairCounts, pairWords, touched);
            }

            pairCounts.Remove(best);
            pairWords.Remove(best);
            foreach (var pair in touched)
            {
                if (pairCounts.TryGetValue(pair, out var count) && count > 0)
                {
                    heap.Enqueue(pair, (count, symbols[pair.Item1], symbols[pair.Item2]));
                }
            }
        }

        return new BpeVocabulary(merges);
    }

    private static Dictionary<string, long> CountWords(IEnumerable<string> texts, CancellationToken cancellationToken)
    {
        var words = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var word in ClipPreTokenizer.Split(text))
            {
                words[word] = words.GetValueOrDefault(word) + 1;
            }
        }

        return words;
    }

    private static void ApplyMerge(List<int> word, (int, int) pair, int merged, long frequency, int wordIndex, Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> pairWords, HashSet<(int, int)> touched)
    {
        // Remove the word's old pairs, rewrite it, add its new pairs: simple and exact for repeated symbols.
        for (var i = 0; i + 1 < word.Count; i++)
        {
            var old = (word[i], word[i + 1]);
            pairCounts[old] -= frequency;
            touched.Add(old);
        }

        var rewritten = new List<int>(word.Count);
        for (var i = 0; i < word.Count; i++)
        {
            if (i + 1 < word.Count && word[i] == pair.Item1 && word[i + 1] == pair.Item2)
            {
                rewritten.Add(merged);
                i++;
            }
            else
            {
                rewritten.Add(word[i]);
            }
        }

        word.Clear();
        word.AddRange(rewritten);
        for (var i = 0; i + 1 < word.Count; i++)
        {
            var fresh = (word[i], word[i + 1]);
            pairCounts[fresh] = pairCounts.GetValueOrDefault(fresh) + frequency;
            (pairWords.TryGetValue(fresh, out var set) ? set : pairWords[fresh] = []).Add(wordIndex);
            touched.Add(fresh);
        }
    }
}
