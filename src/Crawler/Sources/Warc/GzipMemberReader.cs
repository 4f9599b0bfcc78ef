using System.IO.Hashing;
using System.Runtime.CompilerServices;
using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.Zip.Compression;

namespace Pipeline.Crawler.Sources.Warc;

/// <summary>
/// Reads a gzip file member by member, knowing where each starts, which <see cref="System.IO.Compression.GZipStream"/>
/// cannot tell. A damaged member (bad header, bad deflate data, CRC or length mismatch, over the size limit) is
/// reported with its offset and skipped: reading resumes at the next gzip header after it.
/// </summary>
public sealed class GzipMemberReader
{
    private const int ChunkSize = 64 * 1024;
    private readonly Stream _input;
    private readonly string _name;
    private readonly long _maxMemberBytes;
    private byte[] _buffer = new byte[ChunkSize];
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _eof;

    /// <summary>A reader of <paramref name="input"/> (named <paramref name="name"/> in problems) that refuses members that inflate past <paramref name="maxMemberBytes"/>.</summary>
    public GzipMemberReader(Stream input, string name, long maxMemberBytes)
    {
        _input = input;
        _name = name;
        _maxMemberBytes = maxMemberBytes;
    }

    /// <summary>The members in file order; <paramref name="problem"/> hears of every damaged one.</summary>
    public async IAsyncEnumerable<GzipMember> ReadAsync(Action<SourceProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await FillAsync(18, cancellationToken) > 0)
        {
            var offset = _bufferOffset + _start;
            GzipMember? member = null;
            string? failure;
            try
            {
                (member, failure) = await ReadMemberAsync(offset, cancellationToken);
            }
            catch (SharpZipBaseException ex)
            {
                failure = "corrupt deflate data: " + ex.Message;
            }

            if (member is not null)
            {
                yield return member;
                continue;
            }

            problem(new SourceProblem(_name, offset, failure!));
            if (!await SkipToNextMemberAsync(offset + 1, cancellationToken))
            {
                yield break;
            }
        }
    }

    private async Task<(GzipMember?, string?)> ReadMemberAsync(long offset, CancellationToken cancellationToken)
    {
        if (Available < 10 || _buffer[_start] != 0x1f || _buffer[_start + 1] != 0x8b || _buffer[_start + 2] != 8)
        {
            return (null, "not a gzip member header");
        }

        var flags = _buffer[_start + 3];
        var position = _start + 10;
        if ((flags & 4) != 0)
        {
            position += 2 + (_buffer[position] | (_buffer[position + 1] << 8));
        }

        if ((flags & 8) != 0)
        {
            position = SkipZeroTerminated(position);
        }

        if ((flags & 16) != 0)
        {
            position = SkipZeroTerminated(position);
        }

        if ((flags & 2) != 0)
        {
            position += 2;
        }

        if (position >= _end)
        {
            return (null, "gzip header runs past the end of the data");
        }

        _start = position;
        var inflater = new Inflater(noHeader: true);
        using var output = new MemoryStream();
        var chunk = new byte[ChunkSize];
        while (!inflater.IsFinished)
        {
            if (inflater.IsNeedingInput)
            {
                if (Available == 0 && await FillAsync(1, cancellationToken) == 0)
                {
                    return (null, $"truncated: the file ends inside this member after {output.Length} decompressed bytes");
                }

                inflater.SetInput(_buffer, _start, Available);
                _start = _end;
            }

            var produced = inflater.Inflate(chunk);
            if (produced == 0 && !inflater.IsNeedingInput && !inflater.IsFinished)
            {
                return (null, "corrupt deflate data: the stream makes no progress");
            }

            output.Write(chunk, 0, produced);
            if (output.Length > _maxMemberBytes)
            {
                return (null, $"member inflates past the limit of {_maxMemberBytes} bytes");
            }
        }

        _start = _end - inflater.RemainingInput;
        if (await FillAsync(8, cancellationToken) < 8)
        {
            return (null, "truncated: the file ends inside this member's trailer");
        }

        var crc = BitConverter.ToUInt32(_buffer, _start);
        var size = BitConverter.ToUInt32(_buffer, _start + 4);
        _start += 8;
        var data = output.ToArray();
        if (Crc32.HashToUInt32(data) != crc || (uint)data.Length != size)
        {
            return (null, "CRC or length in the gzip trailer does not match the data");
        }

        return (new GzipMember(offset, _bufferOffset + _start - offset, data), null);
    }

    private int SkipZeroTerminated(int position)
    {
        while (position < _end && _buffer[position] != 0)
        {
            position++;
        }

        return position + 1;
    }

    /// <summary>Moves to the first gzip header at or after <paramref name="from"/>; false at the end of the file.</summary>
    private async Task<bool> SkipToNextMemberAsync(long from, CancellationToken cancellationToken)
    {
        if (from < _bufferOffset)
        {
            // The damaged member was consumed past its start; search from where reading is.
            from = _bufferOffset + _start;
        }

        _start = (int)Math.Min(from - _bufferOffset, _end);
        while (true)
        {
            var found = _buffer.AsSpan(_start, Available).IndexOf((ReadOnlySpan<byte>)[0x1f, 0x8b, 0x08]);
            if (found >= 0)
            {
                _start += found;
                await FillAsync(18, cancellationToken);
                return true;
            }

            // Keep the last two bytes: a header may straddle the refill.
            _start = Math.Max(_start, _end - 2);
            if (await FillAsync(Available + 1, cancellationToken) <= 2 && _eof)
            {
                return false;
            }
        }
    }

    private int Available => _end - _start;

    /// <summary>Makes at least <paramref name="wanted"/> bytes available if the file has them; returns how many are.</summary>
    private async Task<int> FillAsync(int wanted, CancellationToken cancellationToken)
    {
        if (Available >= wanted || _eof)
        {
            return Available;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Available);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }

        if (_buffer.Length < wanted)
        {
            Array.Resize(ref _buffer, Math.Max(wanted, _buffer.Length * 2));
        }

        while (_end < wanted && !_eof)
        {
            var n = await _input.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            _eof = n == 0;
            _end += n;
        }

        return Available;
    }
}
