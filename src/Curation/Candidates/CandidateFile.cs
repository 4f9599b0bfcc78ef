using System.Runtime.CompilerServices;
using Pipeline.Sharding.Lists;

namespace Pipeline.Curation.Candidates;

/// <summary>
/// Streams the candidates of one pool file: any URL list the crawler reads (<see cref="UrlListFile"/>: JSON lines,
/// CSV, TSV, optionally gzipped, or Parquet) whose entries have a caption. An entry that cannot be read, or has no
/// caption, is reported with its file, line and byte offset and skipped; a file that cannot be read at all throws.
/// </summary>
public static class CandidateFile
{
    /// <summary>The configuration section naming the pool's columns (a <see cref="UrlListColumns"/>; img2dataset's names by default).</summary>
    public const string ColumnsSection = "Curation:Candidates";

    /// <summary>Whether <paramref name="path"/> has an extension this reader understands.</summary>
    public static bool IsSupported(string path) => UrlListFile.IsSupported(path) && !path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".txt.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Streams the file's candidates in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not readable as its format, or lacks the URL column.</exception>
    public static async IAsyncEnumerable<Candidate> ReadAsync(string path, UrlListColumns columns, Action<CandidateProblem>? problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columns);
        problem ??= _ => { };
        await foreach (var record in UrlListFile.ReadAsync(path, columns, p => problem(new CandidateProblem(p.File, p.Line, p.Offset, p.Reason)), cancellationToken))
        {
            if (record.Caption is not { } caption)
            {
                problem(new CandidateProblem(path, record.Line, record.Offset, $"no string '{columns.Caption}' field"));
                continue;
            }

            yield return new Candidate(record.Key ?? Candidate.DeriveKey(record.Url, caption), record.Url, caption, record.PageUrl);
        }
    }
}
