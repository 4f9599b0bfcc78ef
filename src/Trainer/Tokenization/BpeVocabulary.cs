using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// A byte-level BPE in CLIP's files: <c>vocab.json</c> (token to id: the 256 byte symbols, the same with
/// <c>&lt;/w&gt;</c>, one token per merge, then the start and end tokens) and <c>merges.txt</c> (a version line,
/// then one merge per line, highest priority first).
/// </summary>
public sealed record BpeVocabulary(IReadOnlyList<(string Left, string Right)> Merges)
{
    public const string StartToken = "<|startoftext|>";
    public const string EndToken = "<|endoftext|>";
    public const string EndOfWord = "</w>";
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Tokens in id order.</summary>
    public IReadOnlyList<string> Tokens { get; } = BuildTokens(Merges);

    /// <summary>Token to id, as written to vocab.json.</summary>
    public IReadOnlyDictionary<string, int> Ids => _ids ??= Tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);

    private Dictionary<string, int>? _ids;

    /// <summary>Writes vocab.json and merges.txt into <paramref name="folder"/>.</summary>
    public async Task SaveAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var vocab = new Dictionary<string, int>(Ids, StringComparer.Ordinal);
        await File.WriteAllBytesAsync(Path.Combine(folder, VocabFile), JsonSerializer.SerializeToUtf8Bytes(vocab, Json), cancellationToken);
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges)
        {
            merges.Append(left).Append(' ').Append(right).Append('\n');
        }

        await File.WriteAllTextAsync(Path.Combine(folder, MergesFile), merges.ToString(), new UTF8Encoding(false), cancellationToken);
    }

    /// <summary>Reads a folder written by <see cref="SaveAsync"/> (or CLIP's own files) and checks that the two agree.</summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed, or the vocabulary is not the one the merges imply.</exception>
    public static async Task<BpeVocabulary> LoadAsync(string folder, CancellationToken cancellationToken)
    {
        var mergesPath = Path.Combine(folder, MergesFile);
        var vocabPath = Path.Combine(folder, VocabFile);
        if (!File.Exists(mergesPath) || !File.Exists(vocabPath))
        {
            throw new InvalidDataException($"{folder}: a tokenizer folder needs {VocabFile} and {MergesFile}");
        }

        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(mergesPath, cancellationToken))
        {
            lineNumber++;
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new InvalidDataException($"{mergesPath}:{lineNumber.ToString(CultureInfo.InvariantCulture)}: a merge is two symbols separated by one space, not '{line}'");
            }

            merges.Add((parts[0], parts[1]));
        }

        var vocabulary = new BpeVocabulary(merges);
        Dictionary<string, int>? stored;
        try
        {
            await using var stream = File.OpenRead(vocabPath);
            stored = await JsonSerializer.DeserializeAsync<Dictionary<string, int>>(stream, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: not a JSON object of token ids: {e.Message}", e);
        }

        if (stored is null || stored.Count != vocabulary.Tokens.Count || stored.Any(p => !vocabulary.Ids.TryGetValue(p.Key, out var id) || id != p.Value))
        {
            throw new InvalidDataException($"{vocabPath}: the vocabulary does not match {MergesFile} ({stored?.Count ?? 0} tokens, the merges imply {vocabulary.Tokens.Count})");
        }

        return vocabulary;
    }

    private static List<string> BuildTokens(IReadOnlyList<(string Left, string Right)> merges)
    {
        var tokens = new List<string>(512 + merges.Count + 2);
        tokens.AddRange(ByteUnicodeMap.VocabularyOrder.Select(c => c.ToString()));
        tokens.AddRange(ByteUnicodeMap.VocabularyOrder.Select(c => c + EndOfWord));
        tokens.AddRange(merges.Select(m => m.Left + m.Right));
        tokens.Add(StartToken);
        tokens.Add(EndToken);
        return tokens;
    }
}
