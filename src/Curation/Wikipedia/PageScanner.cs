namespace Pipeline.Curation.Wikipedia;

/// <summary>
/// Finds the <c>&lt;page&gt;...&lt;/page&gt;</c> elements in decompressed dump text without parsing the rest, so a
/// partition can start at any stream (no enclosing <c>&lt;mediawiki&gt;</c>). Wiki text is XML-escaped in a dump,
/// so the literal markers cannot occur inside a page.
/// </summary>
internal sealed class PageScanner(Stream text)
{
    private static readonly byte[] PageStart = "<page>"u8.ToArray();
    private static readonly byte[] PageEnd = "</page>"u8.ToArray();

    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _eof;

    /// <summary>Offset in the decompressed text of the next byte not yet handed out, for error messages.</summary>
    public long Offset => _bufferOffset + _start;

    /// <summary>Finds the next page; false at the end of the text.</summary>
    /// <exception cref="InvalidDataException">The text ends inside a page (truncated); the message gives the page's offset.</exception>
    public bool TryNext(out ArraySegment<byte> page, out long offset)
    {
        int open;
        while ((open = _buffer.AsSpan(_start, _end - _start).IndexOf(PageStart)) < 0)
        {
            if (_eof)
            {
                _start = _end;
                page = default;
                offset = Offset;
                return false;
            }

            // Keep a tail that may hold the start of a split marker.
            _start = Math.Max(_start, _end - PageStart.Length + 1);
            Fill();
        }

        _start += open;
        int close;
        while ((close = _buffer.AsSpan(_start, _end - _start).IndexOf(PageEnd)) < 0)
        {
            if (_eof)
            {
                throw new InvalidDataException($"the text ends inside the page that starts at decompressed byte {Offset:N0} (truncated dump?)");
            }

            Fill();
        }

        var length = close + PageEnd.Length;
        page = new ArraySegment<byte>(_buffer, _start, length);
        offset = Offset;
        _start += length;
        return true;
    }

    private void Fill()
    {
        // Move what is still needed to the front; grow when a single page fills the buffer.
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = text.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
