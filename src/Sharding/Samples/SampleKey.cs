using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Pipeline.Sharding.Samples;

/// <summary>The content-derived key of an image-text pair, shared by every stage so a pair keeps one identity from crawl to shard.</summary>
public static class SampleKey
{
    /// <summary>16 hex digits of XXH64 over UTF-8 <c>url \n caption</c>: it does not depend on where or in which order the pair is read.</summary>
    public static string Derive(string url, string caption)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(caption);
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(url + "\n" + caption)).ToString("x16", CultureInfo.InvariantCulture);
    }
}
