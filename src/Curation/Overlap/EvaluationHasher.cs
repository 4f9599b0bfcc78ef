using System.Collections.Concurrent;
using Pipeline.Curation.Dedup;

namespace Pipeline.Curation.Overlap;

/// <summary>Hashes every image file of some evaluation sets, on several threads, in a stable order (set, then path).</summary>
public static class EvaluationHasher
{
    /// <summary>The hashed images and, for files that are not images, one line each naming the file and the reason.</summary>
    public static async Task<(IReadOnlyList<EvaluationImage> Images, IReadOnlyList<string> Problems)> HashAsync(
        IReadOnlyList<EvaluationSet> sets, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var files = sets
            .SelectMany((set, s) => Directory.EnumerateFiles(set.Folder, "*", SearchOption.AllDirectories)
                .Select(f => (Set: s, Root: set.Folder, File: f))
                .OrderBy(f => f.File, StringComparer.Ordinal))
            .ToArray();
        var hashes = new ulong?[files.Length];
        var problems = new ConcurrentBag<(int Index, string Line)>();
        await Parallel.ForAsync(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                hashes[i] = PerceptualHash.Compute(await File.ReadAllBytesAsync(files[i].File, ct));
            }
            catch (ArgumentException ex)
            {
                problems.Add((i, $"{files[i].File}: {ex.Message}"));
            }
        });

        var images = new List<EvaluationImage>(files.Length);
        for (var i = 0; i < files.Length; i++)
        {
            if (hashes[i] is { } hash)
            {
                images.Add(new EvaluationImage(files[i].Set, Path.GetRelativePath(files[i].Root, files[i].File).Replace('\\', '/'), hash));
            }
        }

        return (images, [.. problems.OrderBy(p => p.Index).Select(p => p.Line)]);
    }
}
