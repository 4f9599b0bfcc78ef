using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Sharding.Reading;

namespace Pipeline.Benchmarks;

/// <summary>
/// A campaign's candidate pool at N candidates, deterministic by seed: a JSON-lines URL list with img2dataset's
/// columns (<c>url</c>, <c>caption</c>) and <c>page_url</c>. Captions read like alt text (an optional "a photo of",
/// one to three entries, an optional "- stock photo" or camera file name) with the entries drawn from a Zipf law
/// (s = 1.07) over the entry list in a seeded order, so matches per entry are skewed as on the web; 12% are junk that
/// names no entry. 3% of candidates repeat an earlier one exactly (the extract keeps one) and 1% reuse an earlier
/// image URL with new text. Candidate i is a function of (seed, i) alone, so a repeat regenerates its original.
/// </summary>
internal sealed class ScaleInput
{
    private static readonly string[] Prefixes = ["a photo of", "stock photo of", "close-up of", "picture of the", "view of", "an image of"];
    private static readonly string[] Suffixes = ["- stock photo", "HD wallpaper", "| Flickr", "royalty free", "on white background", "vector illustration", "for sale"];
    private static readonly string[] Joins = [" and ", " with ", " in ", ", ", " on "];

    private readonly string[] _ranked;
    private readonly ZipfSampler _zipf;
    private readonly ulong _seed;
    private readonly string _imageBase;

    /// <summary>Captions over <paramref name="entries"/>; image URLs on <paramref name="imageBase"/> (the loopback web).</summary>
    public ScaleInput(IReadOnlyList<string> entries, ulong seed, Uri imageBase)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(imageBase);
        _seed = seed;
        _imageBase = imageBase.AbsoluteUri.TrimEnd('/');
        _ranked = [.. entries];
        var shuffle = new SplitMix64(SplitMix64.Mix(seed, 0xE17E5UL));
        for (var i = _ranked.Length - 1; i > 0; i--)
        {
            var j = shuffle.Next(i + 1);
            (_ranked[i], _ranked[j]) = (_ranked[j], _ranked[i]);
        }

        _zipf = new ZipfSampler(_ranked.Length, 1.07);
    }

    /// <summary>Writes candidates 0..n-1 to <paramref name="path"/>; returns the bytes written.</summary>
    public async Task<long> WriteAsync(string path, long n, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var line = new MemoryStream();
        using (var json = new Utf8JsonWriter(line))
        {
            var caption = new StringBuilder();
            for (long i = 0; i < n; i++)
            {
                var (id, text) = Candidate(i, caption);
                json.Reset(line);
                line.SetLength(0);
                json.WriteStartObject();
                json.WriteString("url", string.Create(CultureInfo.InvariantCulture, $"{_imageBase}{ScaleWeb.PathOf(id)}"));
                json.WriteString("caption", text);
                json.WriteString("page_url", string.Create(CultureInfo.InvariantCulture, $"https://site{id % 9973}.example/p/{id / 13}"));
                json.WriteEndObject();
                await json.FlushAsync(cancellationToken);
                line.WriteByte((byte)'\n');
                await file.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length), cancellationToken);
            }
        }

        return file.Length;
    }

    /// <summary>Candidate <paramref name="i"/>: its image id and caption.</summary>
    private (long Id, string Caption) Candidate(long i, StringBuilder caption)
    {
        var random = new SplitMix64(SplitMix64.Mix(_seed, (ulong)i));
        var kind = random.Next(100);
        if (i > 0 && kind < 3)
        {
            return Candidate((long)(random.NextUInt64() % (ulong)i), caption);
        }

        var id = i > 0 && kind < 4 ? (long)(random.NextUInt64() % (ulong)i) : i;
        caption.Clear();
        if (random.Next(100) < 12)
        {
            // Junk alt text: a file name or a placeholder, which no entry matches.
            caption.Append(random.Next(2) == 0 ? "DSC" : "untitled-").Append(random.Next(100_000).ToString("D5", CultureInfo.InvariantCulture)).Append(random.Next(3) == 0 ? ".JPG" : "");
            return (id, caption.ToString());
        }

        if (random.Next(100) < 35)
        {
            caption.Append(Prefixes[random.Next(Prefixes.Length)]).Append(' ');
        }

        caption.Append(_ranked[_zipf.Next(random)]);
        var more = random.Next(100) switch { < 45 => 0, < 85 => 1, _ => 2 };
        for (var m = 0; m < more; m++)
        {
            caption.Append(Joins[random.Next(Joins.Length)]).Append(_ranked[_zipf.Next(random)]);
        }

        if (random.Next(100) < 30)
        {
            caption.Append(' ').Append(Suffixes[random.Next(Suffixes.Length)]);
        }

        if (random.Next(100) < 25)
        {
            caption.Append(" IMG_").Append(random.Next(10_000).ToString("D4", CultureInfo.InvariantCulture));
        }

        return (id, caption.ToString());
    }
}
