using System.Runtime.CompilerServices;
using Pipeline.Crawler.Sources.UrlLists;

namespace Pipeline.Curation.Candidates;

/// <summary>
/// Streams the candidates of one pool file: any URL list the crawler reads (<see cref="UrlListFile"/>: JSON lines,
/// CSV, TSV, optionally gzipped, or Parquet) whose entries have a caption. An entry that cannot be read, or has no
/// caption, is reported with its file, line and byte offset and skipped; a file that cannot be read at all throws.
/// </summary>
public static class CandidateFile
{
    /// <summary>Whether <paramref name="path"/> has an extension this reader understands.</summary>
    public static bool IsSupported(string path) => UrlListFile.IsSupported(path) && !path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".txt.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Streams the file's candidates in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not readable as its format, or lacks the URL column.</exception>
    public static async IAsyncEnumerable<Candidate> ReadAsync(string path, CandidateColumns columns, Action<CandidateProblem>? problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columns);
        problem ??= _ => { };
        var listColumns = new UrlListColumns { Url = columns.Url, Caption = columns.Caption, PageUrl = columns.PageUrl, Key = columns.Key };
        await foreach (var record in UrlListFile.ReadAsync(path, listColumns, p => problem(new CandidateProblem(p.File, p.Line, p.Offset, p.Reason)), cancellationToken))
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
