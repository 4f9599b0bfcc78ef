using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pipeline.Crawler.Sources.Warc;

/// <summary>
/// Streams the records of a WARC 1.0/1.1 file (also WAT and WET, which are WARC files), gzip-compressed member by
/// member or plain. A record that cannot be read is reported with its file offset and skipped; the reader resumes at
/// the next gzip member, or in a plain file at the next line that starts a record.
/// </summary>
public static class WarcReader
{
    /// <summary>Records (or gzip members) larger than this are reported and skipped rather than held in memory.</summary>
    public const long MaxRecordBytes = 256L << 20;

    private const int MaxHeaderLine = 64 * 1024;

    /// <summary>The records of <paramref name="input"/>, named <paramref name="name"/> in problems.</summary>
    public static async IAsyncEnumerable<WarcRecord> ReadAsync(Stream input, string name, Action<SourceProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(problem);
        var buffered = new BufferedStream(input, 1 << 16);
        var magic = new byte[2];
        var peeked = await buffered.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken);
        var head = new PrefixedStream(magic.AsMemory(0, peeked), buffered);
        if (peeked == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            await foreach (var member in new GzipMemberReader(head, name, MaxRecordBytes).ReadAsync(problem, cancellationToken))
            {
                using var memory = new MemoryStream(member.Data, writable: false);
                await foreach (var record in ReadPlainAsync(memory, name, member.Offset, fixedOffset: true, problem, cancellationToken))
                {
                    yield return record;
                }
            }
        }
        else
        {
            await foreach (var record in ReadPlainAsync(head, name, 0, fixedOffset: false, problem, cancellationToken))
            {
                yield return record;
            }
        }
    }

    private static async IAsyncEnumerable<WarcRecord> ReadPlainAsync(
        Stream stream, string name, long baseOffset, bool fixedOffset, Action<SourceProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new LineReader(stream);
        var synced = true;
        while (true)
        {
            var start = reader.Position;
            var line = await reader.ReadLineAsync(MaxHeaderLine, cancellationToken);
            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var offset = fixedOffset ? baseOffset : baseOffset + start;
            if (!line.StartsWith("WARC/", StringComparison.Ordinal))
            {
                if (synced)
                {
                    problem(new SourceProblem(name, offset, $"expected a WARC version line, found '{Shorten(line)}'; skipping to the next record"));
                }

                synced = false;
                continue;
            }

            synced = true;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? previous = null;
            while ((line = await reader.ReadLineAsync(MaxHeaderLine, cancellationToken)) is { Length: > 0 })
            {
                if (line[0] is ' ' or '\t' && previous is not null)
                {
                    headers[previous] += " " + line.Trim();
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    previous = line[..colon].Trim();
                    headers[previous] = line[(colon + 1)..].Trim();
                }
            }

            if (line is null)
            {
                problem(new SourceProblem(name, offset, "the data ends inside the record's header"));
                yield break;
            }

            if (!long.TryParse(headers.GetValueOrDefault("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                problem(new SourceProblem(name, offset, "record without a valid Content-Length; skipping to the next record"));
                synced = false;
                continue;
            }

            if (length > MaxRecordBytes)
            {
                problem(new SourceProblem(name, offset, $"record of {length} bytes is over the limit of {MaxRecordBytes}; skipped"));
                if (!await reader.SkipAsync(length, cancellationToken))
                {
                    yield break;
                }

                continue;
            }

            var block = new byte[length];
            if (await reader.ReadBlockAsync(block, cancellationToken) < length)
            {
                problem(new SourceProblem(name, offset, $"truncated: the data ends inside a block of {length} bytes"));
                yield break;
            }

            yield return new WarcRecord(offset, headers, block);
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    /// <summary>Reads CRLF- or LF-terminated header lines (as Latin-1, then UTF-8 where valid) and raw blocks, tracking the position.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _start;
        private int _end;
        private long _consumed;

        public long Position => _consumed + _start;

        public async Task<string?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
        {
            using var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await RefillAsync(cancellationToken))
                {
                    return line.Length == 0 ? null : Decode(line);
                }

                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf((byte)'\n');
                var take = newline < 0 ? span.Length : newline;
                if (line.Length + take <= maxLength)
                {
                    line.Write(span[..take]);
                }

                _start += newline < 0 ? take : take + 1;
                if (newline >= 0)
                {
                    return Decode(line);
                }
            }
        }

        public async Task<int> ReadBlockAsync(byte[] block, CancellationToken cancellationToken)
        {
            var done = 0;
            while (done < block.Length)
            {
                if (_start == _end && !await RefillAsync(cancellationToken))
                {
                    return done;
                }

                var n = Math.Min(block.Length - done, _end - _start);
                Buffer.BlockCopy(_buffer, _start, block, done, n);
                _start += n;
                done += n;
            }

            return done;
        }

        public async Task<bool> SkipAsync(long count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_start == _end && !await RefillAsync(cancellationToken))
                {
                    return false;
                }

                var n = (int)Math.Min(count, _end - _start);
                _start += n;
                count -= n;
            }

            return true;
        }

        private async Task<bool> RefillAsync(CancellationToken cancellationToken)
        {
            _consumed += _end;
            _start = _end = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }

        private static string Decode(MemoryStream line)
        {
            var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
            if (bytes.EndsWith((byte)'\r'))
            {
                bytes = bytes[..^1];
            }

            return Encoding.UTF8.GetString(bytes);
        }
    }
}
