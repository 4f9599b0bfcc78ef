using System.Buffers;
using System.Net;

namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// Reduces wiki markup to plain text, well enough for counting words: drops comments, templates (<c>{{...}}</c>,
/// nested), tables (<c>{|...|}</c>), references, math and other non-prose tags with their content, file, image,
/// category and interlanguage links, and external link targets; keeps a link's label (<c>[[a|b]]</c> gives
/// <c>b</c>, <c>[[a]]</c> gives <c>a</c>), the content of other HTML tags, heading text and list item text; removes
/// bold/italic quotes, heading and list markers and magic words; decodes HTML entities. Unbalanced markup is kept
/// as text rather than swallowing the rest of the page. One instance reuses its buffer; it is not thread-safe.
/// </summary>
public sealed class WikiTextStripper
{
    private static readonly SearchValues<char> Special = SearchValues.Create("<{['=&_\n");

    // Tags whose content is not prose: dropped with the tag.
    private static readonly HashSet<string> DroppedTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "ref", "references", "math", "chem", "ce", "gallery", "timeline", "score", "syntaxhighlight", "source",
        "templatedata", "graph", "mapframe", "maplink", "imagemap", "hiero", "inputbox", "categorytree", "pre",
    };

    // Tags that end a line of prose.
    private static readonly HashSet<string> BlockTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "blockquote", "dd", "dt", "hr", "center",
    };

    private static readonly HashSet<string> DroppedLinkNamespaces = new(StringComparer.OrdinalIgnoreCase)
    {
        "file", "image", "category", "media",
    };

    private char[] _buffer = new char[4096];
    private int _length;

    /// <summary>Plain text of <paramref name="wikiText"/>; convenient, allocates a string.</summary>
    public static string ToPlainText(string wikiText) => new WikiTextStripper().Strip(wikiText).ToString();

    /// <summary>Strips <paramref name="wikiText"/>; the result is valid until the next call.</summary>
    public ReadOnlySpan<char> Strip(ReadOnlySpan<char> wikiText)
    {
        // The plain text is never longer than the markup.
        if (_buffer.Length < wikiText.Length)
        {
            _buffer = new char[Math.Max(wikiText.Length, _buffer.Length * 2)];
        }

        _length = 0;
        Append(wikiText, lineStart: true);
        return _buffer.AsSpan(0, _length);
    }

    private void Append(ReadOnlySpan<char> s, bool lineStart)
    {
        var i = 0;
        while (i < s.Length)
        {
            if (lineStart)
            {
                i = SkipLineStart(s, i);
                lineStart = false;
                if (i >= s.Length)
                {
                    break;
                }
            }

            var next = s[i..].IndexOfAny(Special);
            if (next < 0)
            {
                Emit(s[i..]);
                break;
            }

            Emit(s.Slice(i, next));
            i += next;
            var c = s[i];
            switch (c)
            {
                case '\n':
                    Emit('\n');
                    i++;
                    lineStart = true;
                    break;
                case '<':
                    i = Tag(s, i);
                    break;
                case '{':
                    i = Brace(s, i);
                    break;
                case '[':
                    i = Link(s, i);
                    break;
                case '\'':
                    i = Quotes(s, i);
                    break;
                case '=':
                    i = HeadingCloser(s, i);
                    break;
                case '&':
                    i = Entity(s, i);
                    break;
                default:
                    i = MagicWord(s, i);
                    break;
            }
        }
    }

    private static int SkipLineStart(ReadOnlySpan<char> s, int i)
    {
        // List, indent and definition markers, heading openers and horizontal rules.
        while (i < s.Length && s[i] is '*' or '#' or ':' or ';' or '=' or '-' or ' ')
        {
            i++;
        }

        return i;
    }

    private int Tag(ReadOnlySpan<char> s, int i)
    {
        if (s[i..].StartsWith("<!--"))
        {
            var commentEnd = s[(i + 4)..].IndexOf("-->");
            return commentEnd < 0 ? s.Length : i + 4 + commentEnd + 3;
        }

        var close = s[i..].IndexOf('>');
        var j = i + 1;
        var closing = j < s.Length && s[j] == '/';
        if (closing)
        {
            j++;
        }

        var nameStart = j;
        while (j < s.Length && char.IsAsciiLetterOrDigit(s[j]))
        {
            j++;
        }

        if (close < 0 || j == nameStart || (j < s.Length && s[j] is not (' ' or '>' or '/' or '\t' or '\n')))
        {
            Emit('<');
            return i + 1;
        }

        var name = s[nameStart..j];
        var end = i + close + 1;
        var selfClosing = s[end - 2] == '/';
        var lookup = DroppedTags.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!closing && !selfClosing && lookup.Contains(name))
        {
            // Skip to the matching end tag; an unclosed one drops only the tag itself.
            var rest = s[end..];
            var at = 0;
            while (true)
            {
                var found = rest[at..].IndexOf("</", StringComparison.Ordinal);
                if (found < 0)
                {
                    return end;
                }

                at += found + 2;
                if (rest[at..].StartsWith(name, StringComparison.OrdinalIgnoreCase))
                {
                    var gt = rest[at..].IndexOf('>');
                    return gt < 0 ? s.Length : end + at + gt + 1;
                }
            }
        }

        if (BlockTags.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
        {
            Emit('\n');
        }

        return end;
    }

    private int Brace(ReadOnlySpan<char> s, int i)
    {
        if (i + 1 < s.Length && s[i + 1] == '{')
        {
            var end = FindClose(s, i, "{{", "}}");
            if (end >= 0)
            {
                return end;
            }
        }
        else if (i + 1 < s.Length && s[i + 1] == '|' && (i == 0 || s[i - 1] == '\n'))
        {
            var end = FindClose(s, i, "{|", "|}");
            if (end >= 0)
            {
                return end;
            }
        }

        Emit('{');
        return i + 1;
    }

    private int Link(ReadOnlySpan<char> s, int i)
    {
        if (i + 1 < s.Length && s[i + 1] == '[')
        {
            var end = FindClose(s, i, "[[", "]]");
            if (end < 0)
            {
                Emit('[');
                return i + 1;
            }

            var inner = s[(i + 2)..(end - 2)];
            var colon = inner.IndexOf(':');
            if (colon > 0 && IsDroppedPrefix(inner[..colon].Trim()))
            {
                return end;
            }

            var pipe = TopLevelPipe(inner);
            var label = pipe < 0 ? inner : inner[(pipe + 1)..];
            if (label.IsWhiteSpace())
            {
                // The pipe trick: [[Paris, Texas|]] shows "Paris, Texas".
                label = pipe < 0 ? inner : inner[..pipe];
            }

            Append(label.TrimStart(':'), lineStart: false);
            return end;
        }

        var rest = s[(i + 1)..];
        if (rest.StartsWith("http://") || rest.StartsWith("https://") || rest.StartsWith("//") || rest.StartsWith("ftp://") || rest.StartsWith("mailto:"))
        {
            var close = rest.IndexOfAny(']', '\n');
            if (close >= 0 && rest[close] == ']')
            {
                var content = rest[..close];
                var space = content.IndexOf(' ');
                if (space >= 0)
                {
                    Append(content[(space + 1)..], lineStart: false);
                }

                return i + 1 + close + 1;
            }
        }

        Emit('[');
        return i + 1;
    }

    private static bool IsDroppedPrefix(ReadOnlySpan<char> prefix)
    {
        if (DroppedLinkNamespaces.GetAlternateLookup<ReadOnlySpan<char>>().Contains(prefix))
        {
            return true;
        }

        // Interlanguage links: [[de:Hund]], [[zh-yue:...]].
        if (prefix.Length is < 2 or > 12)
        {
            return false;
        }

        foreach (var c in prefix)
        {
            if (!char.IsAsciiLetterLower(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static int TopLevelPipe(ReadOnlySpan<char> inner)
    {
        var depth = 0;
        for (var k = 0; k < inner.Length; k++)
        {
            switch (inner[k])
            {
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    depth--;
                    break;
                case '|' when depth == 0:
                    return k;
                default:
                    break;
            }
        }

        return -1;
    }

    /// <summary>The index after the close that balances the open at <paramref name="i"/>, or -1 when unbalanced.</summary>
    private static int FindClose(ReadOnlySpan<char> s, int i, string open, string close)
    {
        var depth = 0;
        var k = i;
        while (k < s.Length - 1)
        {
            var next = s[k..].IndexOfAny(open[0], close[0]);
            if (next < 0)
            {
                return -1;
            }

            k += next;
            if (k + 1 >= s.Length)
            {
                return -1;
            }

            if (s[k] == open[0] && s[k + 1] == open[1])
            {
                depth++;
                k += 2;
            }
            else if (s[k] == close[0] && s[k + 1] == close[1])
            {
                depth--;
                k += 2;
                if (depth == 0)
                {
                    return k;
                }
            }
            else
            {
                k++;
            }
        }

        return -1;
    }

    private int Quotes(ReadOnlySpan<char> s, int i)
    {
        var j = i;
        while (j < s.Length && s[j] == '\'')
        {
            j++;
        }

        // One apostrophe is text (don't); two or more are bold/italic markup.
        if (j - i == 1)
        {
            Emit('\'');
        }

        return j;
    }

    private int HeadingCloser(ReadOnlySpan<char> s, int i)
    {
        var j = i;
        while (j < s.Length && s[j] == '=')
        {
            j++;
        }

        // A heading closer: a run of '=' at the end of a line.
        var k = j;
        while (k < s.Length && s[k] is ' ' or '\t')
        {
            k++;
        }

        if (j - i >= 2 && (k == s.Length || s[k] == '\n'))
        {
            return k;
        }

        Emit(s[i..j]);
        return j;
    }

    private int Entity(ReadOnlySpan<char> s, int i)
    {
        var end = s[i..].IndexOf(';');
        if (end is > 1 and <= 10)
        {
            var body = s.Slice(i + 1, end - 1);
            var valid = true;
            foreach (var c in body)
            {
                valid &= char.IsAsciiLetterOrDigit(c) || c == '#';
            }

            if (valid)
            {
                var decoded = body switch
                {
                    "nbsp" or "ensp" or "emsp" or "thinsp" => " ",
                    "amp" => "&",
                    "ndash" => "\u2013",
                    "mdash" => "\u2014",
                    _ => WebUtility.HtmlDecode(s.Slice(i, end + 1).ToString()),
                };
                Emit(decoded);
                return i + end + 1;
            }
        }

        Emit('&');
        return i + 1;
    }

    private int MagicWord(ReadOnlySpan<char> s, int i)
    {
        // __TOC__, __NOTOC__ and the like.
        if (s[i..].StartsWith("__"))
        {
            var j = i + 2;
            while (j < s.Length && char.IsAsciiLetterUpper(s[j]))
            {
                j++;
            }

            if (j > i + 2 && s[j..].StartsWith("__"))
            {
                return j + 2;
            }
        }

        Emit('_');
        return i + 1;
    }

    private void Emit(char c)
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        _buffer[_length++] = c;
    }

    private void Emit(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_length + text.Length, _buffer.Length * 2));
        }

        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }
}
