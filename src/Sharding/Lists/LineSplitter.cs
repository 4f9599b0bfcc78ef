using System.Runtime.CompilerServices;

namespace Pipeline.Sharding.Lists;

/// <summary>Splits a byte stream into lines at <c>\n</c> without decoding, so a bad line can be reported by number and offset and skipped.</summary>
internal static class LineSplitter
{
    /// <summary>One line without its <c>\n</c>; <see cref="Bytes"/> is only valid until the next line is read.</summary>
    internal readonly record struct Line(ReadOnlyMemory<byte> Bytes, long Number, long Offset, bool TooLong);

    public static async IAsyncEnumerable<Line> SplitAsync(Stream stream, int maxLineBytes, string source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(maxLineBytes, 1 << 16) * 2];
        int start = 0, end = 0;
        long number = 0, offset = 0, skippedLineOffset = 0;
        var skipping = false;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                number++;
                if (skipping)
                {
                    yield return new Line(ReadOnlyMemory<byte>.Empty, number, skippedLineOffset, TooLong: true);
                    skipping = false;
                }
                else
                {
                    yield return new Line(buffer.AsMemory(start, newline), number, offset, TooLong: false);
                }

                offset += newline + 1;
                start += newline + 1;
                continue;
            }

            if (end - start > maxLineBytes)
            {
                // Too long: drop what is buffered and keep discarding until the next newline.
                if (!skipping)
                {
                    skippedLineOffset = offset;
                }

                offset += end - start;
                skipping = true;
                start = end = 0;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxLineBytes + 1 + (1 << 16)));
            }

            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{source}: unreadable after line {number} (byte {offset + (end - start)} of the decompressed stream): {ex.Message}", ex);
            }

            if (read == 0)
            {
                if (end > start || skipping)
                {
                    number++;
                    yield return skipping
                        ? new Line(ReadOnlyMemory<byte>.Empty, number, skippedLineOffset, TooLong: true)
                        : new Line(buffer.AsMemory(start, end - start), number, offset, TooLong: false);
                }

                yield break;
            }

            end += read;
        }
    }
}
