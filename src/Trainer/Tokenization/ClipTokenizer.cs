using System.Text;
using Microsoft.ML.Tokenizers;

namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// Encodes captions as CLIP does, with Microsoft.ML.Tokenizers' byte-level BPE over a <see cref="BpeVocabulary"/>:
/// lower-cased, pre-tokenized by CLIP's pattern, wrapped in start and end tokens and padded with zeros (or cut,
/// keeping the end token) to the context length. <see cref="Decode"/> turns word ends back into spaces.
/// </summary>
public sealed class ClipTokenizer
{
    /// <summary>CLIP's text context.</summary>
    public const int DefaultContextLength = 77;

    private readonly BpeTokenizer _bpe;

    public ClipTokenizer(BpeVocabulary vocabulary, int contextLength = DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        Vocabulary = vocabulary;
        ContextLength = contextLength;
        StartId = vocabulary.Ids[BpeVocabulary.StartToken];
        EndId = vocabulary.Ids[BpeVocabulary.EndToken];
        var special = new Dictionary<string, int> { [BpeVocabulary.StartToken] = StartId, [BpeVocabulary.EndToken] = EndId };
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary.Ids)
        {
            Merges = vocabulary.Merges.Select(m => m.Left + " " + m.Right),
            EndOfWordSuffix = BpeVocabulary.EndOfWord,
            ByteLevel = true,
            Normalizer = LowerCaseNormalizer.Instance,
            PreTokenizer = new RegexPreTokenizer(ClipPreTokenizer.Pattern(), special),
            SpecialTokens = special,
        });
    }

    public BpeVocabulary Vocabulary { get; }

    public int ContextLength { get; }

    public int VocabularySize => Vocabulary.Tokens.Count;

    public int StartId { get; }

    /// <summary>The end token's id; the text model pools at its position.</summary>
    public int EndId { get; }

    /// <summary>The BPE ids of <paramref name="text"/>, without start and end tokens.</summary>
    public IReadOnlyList<int> EncodeIds(string text) => _bpe.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);

    /// <summary>Writes start, ids, end and zero padding into <paramref name="destination"/> (ContextLength long); long texts are cut and still end with the end token.</summary>
    public void Encode(string text, Span<long> destination)
    {
        if (destination.Length != ContextLength)
        {
            throw new ArgumentException($"the destination holds {destination.Length} tokens, the context is {ContextLength}", nameof(destination));
        }

        destination.Clear();
        var ids = EncodeIds(text);
        var kept = Math.Min(ids.Count, ContextLength - 2);
        destination[0] = StartId;
        for (var i = 0; i < kept; i++)
        {
            destination[i + 1] = ids[i];
        }

        destination[kept + 1] = EndId;
    }

    /// <summary>Text from ids: the start token skipped, everything from the end token on (padding) dropped, each word end a space, bytes decoded as UTF-8.</summary>
    public string Decode(IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id == StartId)
            {
                continue;
            }

            if (id == EndId)
            {
                break;
            }

            var token = Vocabulary.Tokens[checked((int)id)];
            var wordEnd = token.EndsWith(BpeVocabulary.EndOfWord, StringComparison.Ordinal);
            foreach (var symbol in wordEnd ? token.AsSpan(0, token.Length - BpeVocabulary.EndOfWord.Length) : token.AsSpan())
            {
                if (ByteUnicodeMap.TryToByte(symbol, out var value))
                {
                    bytes.Add(value);
                }
            }

            if (wordEnd)
            {
                bytes.Add((byte)' ');
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd();
    }
}
