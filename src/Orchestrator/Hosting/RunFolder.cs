using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>
/// The folder where an embedded run keeps its grain state and outputs. Opening it checks that it can be
/// written and takes an exclusive lock, so two processes never serve grain state from the same files.
/// </summary>
public sealed class RunFolder : IDisposable
{
    private const string LockFileName = ".pipeline.lock";
    private readonly FileStream? _lock;

    private RunFolder(string root, FileStream? lockStream)
    {
        Root = root;
        _lock = lockStream;
    }

    /// <summary>Absolute path of the folder.</summary>
    public string Root { get; }

    /// <summary>Where the file grain storage keeps one file per grain state.</summary>
    public string GrainStateDirectory => Path.Combine(Root, "grain-state");

    /// <summary>The file the embedded silo keeps its reminders in.</summary>
    public string RemindersFile => Path.Combine(Root, "reminders.json");

    /// <summary>Creates the folder if needed and proves it writable.</summary>
    /// <param name="path">Folder path, relative to the current directory or absolute.</param>
    /// <param name="exclusive">Take the folder's lock; fails when another process holds it.</param>
    /// <exception cref="PipelineConfigurationException">The folder cannot be created, written or locked.</exception>
    public static RunFolder Open(string path, bool exclusive)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new PipelineConfigurationException("run folder is not set (--run-dir or Pipeline:RunDirectory)");
        }

        var root = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(root);
            var probe = Path.Combine(root, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new PipelineConfigurationException($"run folder '{root}' is not writable: {ex.Message}", ex);
        }

        FileStream? lockStream = null;
        if (exclusive)
        {
            // The lock file stays between runs; only a live process holding it open makes this fail.
            try
            {
                lockStream = new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new PipelineConfigurationException($"run folder '{root}' is in use by another pipeline process ({ex.Message})", ex);
            }
        }

        return new RunFolder(root, lockStream);
    }

    /// <summary>Writes a file under the run folder atomically and reads it back, returning what was read.</summary>
    public async Task<string> RoundTripAsync(string relativePath, string content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await AtomicFile.WriteAllBytesAsync(path, System.Text.Encoding.UTF8.GetBytes(content), cancellationToken);
        return await File.ReadAllTextAsync(path, cancellationToken);
    }

    public void Dispose() => _lock?.Dispose();
}
