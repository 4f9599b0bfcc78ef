using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Storage;

/// <summary>
/// Orleans grain storage that keeps one file per grain state under a folder: written atomically (temporary
/// file, fsync, rename), guarded by ETags so a stale write raises <see cref="InconsistentStateException"/>.
/// One silo owns the folder (the run folder's lock ensures it), so an in-process lock per file is enough.
/// </summary>
public sealed partial class FileGrainStorage(
    string name,
    string rootDirectory,
    IGrainStorageSerializer serializer,
    ILogger<FileGrainStorage> logger) : IGrainStorage
{
    private const int MaxFileNameLength = 160;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _fileLocks = new(StringComparer.Ordinal);

    /// <summary>Folder that holds one sub-folder per state name.</summary>
    public string RootDirectory { get; } = Path.GetFullPath(rootDirectory);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        return UnderFileLockAsync(PathFor(stateName, grainId), async path =>
        {
            var stored = await ReadFileAsync(path);
            if (stored is null)
            {
                Reset(grainState);
                return;
            }

            grainState.State = serializer.Deserialize<T>(new BinaryData(stored.Value.Payload));
            grainState.ETag = stored.Value.Header.ETag;
            grainState.RecordExists = true;
        });
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        return UnderFileLockAsync(PathFor(stateName, grainId), async path =>
        {
            var current = await ReadFileAsync(path);
            CheckETag(stateName, grainId, path, grainState.ETag, current?.Header.ETag);

            var payload = serializer.Serialize(grainState.State).ToMemory();
            var header = new GrainStateFileHeader(GrainStateFileHeader.CurrentFormat, grainId.ToString(), NewETag(), payload.Length);
            var headerLine = JsonSerializer.SerializeToUtf8Bytes(header);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await AtomicFile.WriteAsync(path, async (stream, ct) =>
            {
                await stream.WriteAsync(headerLine, ct);
                stream.WriteByte((byte)'\n');
                await stream.WriteAsync(payload, ct);
            }, CancellationToken.None);

            grainState.ETag = header.ETag;
            grainState.RecordExists = true;
            LogWrote(logger, name, grainId, path, header.ETag);
        });
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        return UnderFileLockAsync(PathFor(stateName, grainId), async path =>
        {
            var current = await ReadFileAsync(path);
            CheckETag(stateName, grainId, path, grainState.ETag, current?.Header.ETag);
            File.Delete(path);
            Reset(grainState);
        });
    }

    /// <summary>The file that holds a grain's state; names are escaped so any grain key maps to one safe file name.</summary>
    public string PathFor(string stateName, GrainId grainId) =>
        Path.Combine(RootDirectory, SafeFileName(stateName), SafeFileName(grainId.ToString()) + ".state");

    /// <summary>Runs a read-check-write on one file without another operation on the same file in between.</summary>
    private async Task UnderFileLockAsync(string path, Func<string, Task> operation)
    {
        var gate = _fileLocks.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            await operation(path);
        }
        finally
        {
            gate.Release();
        }
    }

    private static void Reset<T>(IGrainState<T> grainState)
    {
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private void CheckETag(string stateName, GrainId grainId, string path, string? expected, string? stored)
    {
        if (!string.Equals(expected, stored, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"stale write to grain state '{stateName}' of {grainId} in storage '{name}' ({path}): " +
                $"the writer holds ETag '{expected ?? "(none)"}' but the stored ETag is '{stored ?? "(none)"}'",
                stored ?? string.Empty,
                expected ?? string.Empty);
        }
    }

    private static async Task<(GrainStateFileHeader Header, byte[] Payload)?> ReadFileAsync(string path)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        var newline = Array.IndexOf(bytes, (byte)'\n');
        GrainStateFileHeader? header = null;
        if (newline > 0)
        {
            try
            {
                header = JsonSerializer.Deserialize<GrainStateFileHeader>(bytes.AsSpan(0, newline));
            }
            catch (JsonException)
            {
                header = null;
            }
        }

        if (header is null || header.Format != GrainStateFileHeader.CurrentFormat)
        {
            throw new InvalidDataException($"grain state file '{path}' has no valid '{GrainStateFileHeader.CurrentFormat}' header at offset 0");
        }

        var payloadLength = bytes.Length - newline - 1;
        if (payloadLength != header.Length)
        {
            throw new InvalidDataException(
                $"grain state file '{path}' is damaged: header says {header.Length} bytes of state at offset {newline + 1}, file holds {payloadLength}");
        }

        return (header, bytes[(newline + 1)..]);
    }

    private static string NewETag() => Guid.NewGuid().ToString("N");

    private static string SafeFileName(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (builder.Length <= MaxFileNameLength && builder[0] != '.')
        {
            return builder.ToString();
        }

        // Long keys keep a readable prefix plus a hash of the whole, so distinct keys never collide.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return $"_{builder.ToString(0, Math.Min(builder.Length, 64))}-{hash}";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Storage {StorageName} wrote {GrainId} to {Path} with ETag {ETag}")]
    private static partial void LogWrote(ILogger logger, string storageName, GrainId grainId, string path, string eTag);
}
