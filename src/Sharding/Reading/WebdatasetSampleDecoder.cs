using System.Formats.Tar;
using System.Text;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Reading;

/// <summary>
/// Decodes a run of tar members (one row group of a webdataset shard) into <see cref="Sample"/> records, grouping
/// members as the <c>webdataset</c> library does: consecutive members whose base names agree up to the first dot
/// are one sample, and the rest of the name (<c>jpg</c>, <c>txt</c>, <c>json</c>) says which part it is.
/// </summary>
internal static class WebdatasetSampleDecoder
{
    /// <exception cref="InvalidDataException">A member is not a regular file, a key lacks its image, caption or json, or keys repeat.</exception>
    public static async Task<Sample[]> DecodeAsync(byte[] bytes, ImageEncoding encoding, CancellationToken cancellationToken)
    {
        var image = SampleSchema.ColumnName(encoding);
        var samples = new List<Sample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var stream = new MemoryStream(bytes, writable: false);
        await using var tar = new TarReader(stream);
        string? key = null;
        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                throw new InvalidDataException($"member '{entry.Name}' is a {entry.EntryType}, not a regular file");
            }

            var name = entry.Name[(entry.Name.LastIndexOf('/') + 1)..];
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0)
            {
                throw new InvalidDataException($"member '{entry.Name}' has no KEY.EXTENSION name");
            }

            var memberKey = name[..dot];
            if (memberKey != key)
            {
                if (key is not null)
                {
                    samples.Add(Assemble(key, parts, image));
                }

                if (!seen.Add(memberKey))
                {
                    throw new InvalidDataException($"sample '{memberKey}' appears twice (its members are not adjacent)");
                }

                key = memberKey;
                parts.Clear();
            }

            var content = new byte[entry.Length];
            if (entry.DataStream is { } data)
            {
                await data.ReadExactlyAsync(content, cancellationToken);
            }

            parts[name[(dot + 1)..]] = content;
        }

        if (key is not null)
        {
            samples.Add(Assemble(key, parts, image));
        }

        return [.. samples];
    }

    private static Sample Assemble(string key, Dictionary<string, byte[]> parts, string image)
    {
        var missing = new[] { image, "txt", "json" }.Where(p => !parts.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"sample '{key}' lacks {string.Join(", ", missing.Select(m => $"'{key}.{m}'"))} (has {string.Join(", ", parts.Keys.Order(StringComparer.Ordinal))})");
        }

        return SampleJson.Read(parts["json"], key, Encoding.UTF8.GetString(parts["txt"]), parts[image]);
    }
}
