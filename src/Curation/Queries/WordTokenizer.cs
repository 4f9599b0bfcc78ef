using System.Globalization;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Splits plain text into the words that queries count. The rules:
/// <list type="bullet">
/// <item>A word is a maximal run of letters, digits and combining marks (Unicode categories L, Nd, Nl, No, Mn, Mc);
/// an apostrophe (<c>'</c> or <c>’</c>) between two such characters belongs to the word (<c>don't</c>,
/// <c>O'Brien</c>). Every other character separates words: hyphens, periods, slashes and characters outside the
/// Basic Multilingual Plane included.</item>
/// <item>Case is kept as written: <c>Paris</c> and <c>paris</c> are different words, as the matcher compares
/// case-sensitively by default.</item>
/// <item>Two words form a bigram only when nothing but spaces or tabs lies between them; punctuation and line
/// breaks (sentence, list item, table cell and heading boundaries) break the chain.</item>
/// </list>
/// </summary>
public ref struct WordTokenizer
{
    private static readonly bool[] AsciiWord = BuildAsciiTable();

    private readonly ReadOnlySpan<char> _text;
    private int _position;
    private bool _afterWord;

    /// <summary>Tokenizes <paramref name="text"/>.</summary>
    public WordTokenizer(ReadOnlySpan<char> text)
    {
        _text = text;
    }

    /// <summary>The current word.</summary>
    public WordToken Current { get; private set; }

    /// <summary>Lets <c>foreach</c> run over the words.</summary>
    public readonly WordTokenizer GetEnumerator() => this;

    /// <summary>Moves to the next word; false at the end of the text.</summary>
    public bool MoveNext()
    {
        var text = _text;
        var i = _position;
        var joined = _afterWord;
        while (i < text.Length && !IsWordChar(text[i]))
        {
            if (text[i] is not (' ' or '\t'))
            {
                joined = false;
            }

            i++;
        }

        if (i == text.Length)
        {
            _position = i;
            return false;
        }

        var start = i;
        i++;
        while (i < text.Length)
        {
            var c = text[i];
            if (IsWordChar(c))
            {
                i++;
            }
            else if (c is '\'' or '\u2019' && i + 1 < text.Length && IsWordChar(text[i + 1]))
            {
                i += 2;
            }
            else
            {
                break;
            }
        }

        Current = new WordToken(start, i - start, joined);
        _position = i;
        _afterWord = true;
        return true;
    }

    /// <summary>Whether <paramref name="c"/> belongs to a word.</summary>
    public static bool IsWordChar(char c)
    {
        if (c < 128)
        {
            return AsciiWord[c];
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark => true,
            _ => false,
        };
    }

    private static bool[] BuildAsciiTable()
    {
        var table = new bool[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = char.IsAsciiLetterOrDigit((char)c);
        }

        return table;
    }
}
