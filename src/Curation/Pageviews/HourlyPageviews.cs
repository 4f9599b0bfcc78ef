using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Pipeline.Curation.Pageviews;

/// <summary>
/// One Wikimedia hourly pageview file (<c>pageviews-YYYYMMDD-HH0000.gz</c>, lines of
/// <c>domain_code page_title count_views total_response_size</c>), reduced to the article titles that reach the
/// hourly minimum: views summed over the chosen domain codes, titles with ':' (other namespaces) dropped,
/// '_' turned into a space.
/// </summary>
public static class HourlyPageviews
{
    /// <summary>The hourly files named by <paramref name="paths"/>: files as given, folders as their <c>pageviews-*.gz</c> files in name order; full paths.</summary>
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    public static List<string> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(Path.GetFullPath(path), "pageviews-*.gz").Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else
            {
                throw new FileNotFoundException($"pageview file or folder {Path.GetFullPath(path)} does not exist", path);
            }
        }

        return files;
    }

    /// <summary>Reads one file; returns the titles with at least <paramref name="minHourlyViews"/> views and the number of malformed lines skipped.</summary>
    /// <exception cref="InvalidDataException">The file is not gzip or is corrupt; the message names it and the line reached.</exception>
    public static async Task<(Dictionary<string, long> Titles, long Malformed)> ReadAsync(string path, IReadOnlyCollection<string> domains, long minHourlyViews, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var wanted = domains.ToHashSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var views = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = views.GetAlternateLookup<ReadOnlySpan<char>>();
        long malformed = 0, number = 0;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        using var reader = new StreamReader(new GZipStream(file, CompressionMode.Decompress), new UTF8Encoding(false, throwOnInvalidBytes: false));
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                var span = line.AsSpan();
                var first = span.IndexOf(' ');
                if (first <= 0)
                {
                    malformed++;
                    continue;
                }

                if (!wanted.Contains(span[..first]))
                {
                    continue;
                }

                var rest = span[(first + 1)..];
                var second = rest.IndexOf(' ');
                var third = second < 0 ? -1 : rest[(second + 1)..].IndexOf(' ');
                var countText = second < 0 ? default : third < 0 ? rest[(second + 1)..] : rest.Slice(second + 1, third);
                if (second <= 0 || !long.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || rest[..second].Contains('\uFFFD'))
                {
                    malformed++;
                    continue;
                }

                var title = rest[..second];
                if (title.Contains(':'))
                {
                    continue;
                }

                ViewsOf(lookup, title) += count;
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data after line {number:N0}: {ex.Message}", ex);
        }

        var titles = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (title, count) in views)
        {
            if (count >= minHourlyViews)
            {
                titles[title.Replace('_', ' ')] = count;
            }
        }

        return (titles, malformed);
    }

    private static ref long ViewsOf(Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<char> key) =>
        ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out _);
}
