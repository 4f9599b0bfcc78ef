using System.Buffers;

namespace Pipeline.Crawler.Fetching;

/// <summary>Reads a response body into memory without ever holding more than the limit, however the server lies about its length.</summary>
internal static class BodyReader
{
    /// <summary>The body; past <paramref name="limit"/> bytes it throws <see cref="FetchErrorClass.TooLarge"/>, or cuts off when <paramref name="truncate"/>.</summary>
    public static async Task<byte[]> ReadAsync(HttpContent content, long limit, bool truncate, Uri url, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > limit && !truncate)
        {
            throw new FetchFailedException(FetchErrorClass.TooLarge, $"{url}: Content-Length {declared} is over the limit of {limit} bytes");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (declared is { } exact && exact <= limit)
        {
            var body = new byte[exact];
            var read = await stream.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, cancellationToken);
            return read == body.Length
                ? body
                : throw new FetchFailedException(FetchErrorClass.Protocol, $"{url}: body ended after {read} of {exact} bytes");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Math.Min(limit + 1, Array.MaxLength)));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var n = await stream.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, limit + 1 - length)), cancellationToken);
                if (n == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }

                length += n;
                if (length > limit)
                {
                    return truncate
                        ? buffer.AsSpan(0, (int)limit).ToArray()
                        : throw new FetchFailedException(FetchErrorClass.TooLarge, $"{url}: body is over the limit of {limit} bytes (decompressed)");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
