using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Sharding.Leftovers;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Telemetry;

namespace Pipeline.Sharding.Writing;

/// <summary>
/// Writes a stream of samples as shards (Parquet or webdataset tars, <see cref="ShardWriterOptions.Format"/>) of a target size and commits each one: the file is published
/// under a path unique to this attempt, then added to the manifest. Until the manifest commit a shard does not
/// exist for readers, so a crash at any point leaves the manifest consistent. Re-writing a shard name that is
/// already committed changes nothing (see <see cref="CommitOutcome"/>). The first writer a process starts on a
/// store removes what dead writers left there (<see cref="LeftoverCollector"/>); a write that fails, for lack of
/// space say, removes its own staging file and names the shard and the cause (<see cref="ShardStoreException"/>).
/// </summary>
public sealed partial class ShardWriter : IAsyncDisposable
{
    /// <summary>Folder of shard files inside a store.</summary>
    public const string ShardFolder = "shards";

    private readonly IShardStore _store;
    private readonly ManifestStore _manifest;
    private readonly ShardWriterOptions _options;
    private readonly SampleSchema _schema;
    private readonly ILogger _logger;
    private readonly List<Sample> _rowGroup = [];
    private readonly List<ShardCommit> _commits = [];
    private long _rowGroupBytes;
    private ISampleFileWriter? _file;
    private int _nextIndex;

    public ShardWriter(IShardStore store, ShardWriterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _manifest = new ManifestStore(store);
        _options = options;
        _schema = SampleSchema.For(options.Encoding);
        _logger = logger ?? NullLogger.Instance;
        _nextIndex = options.FirstIndex;
    }

    /// <summary>Called after each shard commit, for progress output.</summary>
    public event Action<ShardCommit>? ShardCommitted;

    /// <summary>Every commit this writer made so far, in order.</summary>
    public IReadOnlyList<ShardCommit> Commits => _commits;

    /// <summary>
    /// When set, this writer rewrites one committed shard in place: its shard replaces the committed one of the same name
    /// whose file has this SHA-256 (<see cref="ManifestStore.ReplaceAsync"/>), the old file is deleted once the manifest no
    /// longer names it, and completing with no sample at all commits an empty shard (no row groups) in its place.
    /// </summary>
    public string? Replaces { get; init; }

    /// <summary>Adds a sample; row groups and shards are written as they fill.</summary>
    /// <exception cref="ArgumentException">The sample is invalid (named by key).</exception>
    public async Task WriteAsync(Sample sample, CancellationToken cancellationToken)
    {
        Validate(sample);
        _rowGroup.Add(sample);
        _rowGroupBytes += sample.Image.Length + (2 * (sample.Key.Length + sample.Url.Length + sample.Caption.Length + (sample.PageUrl?.Length ?? 0))) + 64;
        var fileSamples = _file?.Samples ?? 0;
        var fileBytes = _file?.BytesWritten ?? 0;
        if (_rowGroup.Count >= _options.RowGroupSamples || _rowGroupBytes >= _options.RowGroupBytes
            || fileSamples + _rowGroup.Count >= _options.TargetSamples || fileBytes + _rowGroupBytes >= _options.TargetBytes)
        {
            await FlushRowGroupAsync(cancellationToken);
            if (_file!.Samples >= _options.TargetSamples || _file.BytesWritten >= _options.TargetBytes)
            {
                await CommitShardAsync(cancellationToken);
            }
        }
    }

    /// <summary>Writes and commits what is buffered; the writer can go on afterwards with the next shard index.</summary>
    public async Task<IReadOnlyList<ShardCommit>> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_rowGroup.Count > 0)
        {
            await FlushRowGroupAsync(cancellationToken);
        }
        else if (Replaces is not null && _file is null && _commits.Count == 0)
        {
            // Every sample of the rewritten shard went: an empty shard takes its place.
            await OpenFileAsync(cancellationToken);
        }

        if (_file is not null)
        {
            await CommitShardAsync(cancellationToken);
        }

        return _commits;
    }

    /// <summary>Abandons a shard in progress: its staged bytes are discarded and nothing reaches the manifest.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }
    }

    private async Task FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        var file = _file ?? await OpenFileAsync(cancellationToken);
        try
        {
            await file.WriteRowGroupAsync(_rowGroup, cancellationToken);
        }
        catch (Exception ex) when (WriteFault(ex, file.Name, file.Path) is { } fault)
        {
            throw fault;
        }

        _rowGroup.Clear();
        _rowGroupBytes = 0;
    }

    /// <summary>Starts the next shard file (removing dead writers' leftovers first, once per process and store).</summary>
    private async Task<ISampleFileWriter> OpenFileAsync(CancellationToken cancellationToken)
    {
        foreach (var leftover in (await LeftoverCollector.CollectOnceAsync(_store, cancellationToken)).Where(l => l.Removed))
        {
            LogRemovedLeftover(leftover.Path, leftover.Length, leftover.Note);
        }

        var name = _options.ShardName(_nextIndex);
        // A path unique to this attempt: a retried or concurrent write of the same name never overwrites a committed file.
        var path = $"{ShardFolder}/{name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{ShardFormats.Extension(_options.Format)}";
        try
        {
            return _file = _options.Format == ShardFormat.Webdataset
                ? await WebdatasetSampleWriter.CreateAsync(_store, name, path, _schema, cancellationToken)
                : await ParquetSampleWriter.CreateAsync(_store, name, path, _schema, cancellationToken);
        }
        catch (Exception ex) when (WriteFault(ex, name, path) is { } fault)
        {
            throw fault;
        }
    }

    private async Task CommitShardAsync(CancellationToken cancellationToken)
    {
        var file = _file!;
        _file = null;
        _nextIndex++;
        try
        {
            await CommitShardAsync(file, cancellationToken);
        }
        catch (Exception ex) when (WriteFault(ex, file.Name, file.Path) is { } fault)
        {
            throw fault;
        }
    }

    private async Task CommitShardAsync(ISampleFileWriter file, CancellationToken cancellationToken)
    {
        ShardCommit commit;
        await using (file)
        {
            var entry = await file.FinishAsync(cancellationToken);
            var existing = await _manifest.FindAsync(entry.Name, cancellationToken);
            if (Replaces is { } replaced && existing is not null && existing.Sha256 == replaced && existing.Sha256 != entry.Sha256)
            {
                await file.PublishAsync(cancellationToken);
                try
                {
                    commit = await _manifest.ReplaceAsync(entry, replaced, cancellationToken);
                }
                catch
                {
                    await WithdrawAsync(entry.Path);
                    throw;
                }

                // The file no longer referenced goes: the old one when ours replaced it, else ours.
                await _store.DeleteAsync(commit.Outcome == CommitOutcome.Committed ? existing.Path : entry.Path, cancellationToken);
            }
            else if (existing is not null)
            {
                // Already committed: do not publish a second file for the name.
                commit = new ShardCommit(existing.Sha256 == entry.Sha256 ? CommitOutcome.AlreadyCommitted : CommitOutcome.KeptExisting, existing);
            }
            else
            {
                await file.PublishAsync(cancellationToken);
                try
                {
                    commit = await _manifest.CommitAsync(entry, SampleSchema.ColumnName(_options.Encoding), cancellationToken);
                }
                catch
                {
                    await WithdrawAsync(entry.Path);
                    throw;
                }

                if (commit.Outcome != CommitOutcome.Committed)
                {
                    // Lost a race for the name: our file is referenced by nothing, so it goes.
                    await _store.DeleteAsync(entry.Path, cancellationToken);
                }
            }
        }

        if (commit.Outcome == CommitOutcome.KeptExisting)
        {
            LogKeptExisting(commit.Entry.Name, commit.Entry.Path);
        }
        else
        {
            LogCommitted(commit.Entry.Name, commit.Outcome, commit.Entry.Samples, commit.Entry.Bytes);
        }

        if (commit.Outcome == CommitOutcome.Committed)
        {
            ShardingMetrics.Shards.Add(1);
            ShardingMetrics.Samples.Add(commit.Entry.Samples);
            ShardingMetrics.Bytes.Add(commit.Entry.Bytes);
        }

        _commits.Add(commit);
        ShardCommitted?.Invoke(commit);
    }

    /// <summary>
    /// After a failed manifest commit, deletes the published file unless the manifest lists it after all (an error
    /// after the commit took effect). Best effort: what stays is a leftover for <see cref="LeftoverCollector"/>.
    /// </summary>
    private async Task WithdrawAsync(string path)
    {
        try
        {
            var manifest = await _manifest.LoadAsync(CancellationToken.None);
            if (!manifest.Shards.Any(s => s.Path == path))
            {
                await _store.DeleteAsync(path, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ShardManifestException or Azure.RequestFailedException)
        {
            // The commit's own error is the one to report.
        }
    }

    /// <summary>A file-system fault (full disk, read-only, ...) while writing a shard, as an error naming it; null for other errors.</summary>
    private ShardStoreException? WriteFault(Exception exception, string name, string path) =>
        ShardStoreException.From(exception, $"write shard {name} to {_store.Describe(path)}");

    private static void Validate(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        string? problem = null;
        if (sample.Image is null || sample.Image.Length == 0)
        {
            problem = "has no image bytes";
        }
        else if (sample.Sha256 is null || sample.Sha256.Length != 64 || !sample.Sha256.All(char.IsAsciiHexDigitLower))
        {
            problem = $"has sha256 '{sample.Sha256}', expected 64 lower-case hex digits";
        }
        else if (sample.Width <= 0 || sample.Height <= 0 || sample.OriginalWidth <= 0 || sample.OriginalHeight <= 0)
        {
            problem = $"has a non-positive size {sample.Width}x{sample.Height} (original {sample.OriginalWidth}x{sample.OriginalHeight})";
        }
        else if (sample.Key is null || sample.Url is null || sample.Caption is null)
        {
            problem = "lacks key, url or caption";
        }

        if (problem is not null)
        {
            throw new ArgumentException($"sample '{sample.Key}' {problem}", nameof(sample));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "shard {Shard} {Outcome}: {Samples} samples, {Bytes} bytes")]
    private partial void LogCommitted(string shard, CommitOutcome outcome, long samples, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed leftover {Path} ({Bytes} bytes): {Note}")]
    private partial void LogRemovedLeftover(string path, long bytes, string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "shard {Shard} was already committed with different content ({Path}); kept the first commit and discarded this one")]
    private partial void LogKeptExisting(string shard, string path);
}
