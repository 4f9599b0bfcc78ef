using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Sharding.Storage;
using RowKey = (Orleans.Runtime.GrainId Grain, string Name);

namespace Pipeline.Orchestrator.Reminders;

/// <summary>
/// Orleans reminder table for the embedded default: all reminders in one JSON file under the run folder,
/// rewritten atomically on every change. Reminders are few (one or two per campaign or job), so a whole-file
/// rewrite is cheaper to get right than anything finer. One silo owns the run folder (its lock ensures it).
/// </summary>
public sealed partial class FileReminderTable(string path, ILogger<FileReminderTable> logger) : IReminderTable, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<RowKey, ReminderFileRow>? _rows;

    /// <summary>The reminders file.</summary>
    public string FilePath { get; } = Path.GetFullPath(path);

    public async Task StartAsync(CancellationToken cancellationToken = default) =>
        await WithRowsAsync(rows => rows.Count, cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        WithRowsAsync(rows => new ReminderTableData(rows.Values.Where(r => GrainId.Parse(r.Grain, System.Globalization.CultureInfo.InvariantCulture) == grainId).Select(ToEntry)), CancellationToken.None);

    /// <summary>Rows whose grain hash lies in (begin, end], wrapping around the ring when begin >= end.</summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        WithRowsAsync(rows => new ReminderTableData(rows
            .Where(r => InRange(r.Key.Grain.GetUniformHashCode(), begin, end))
            .Select(r => ToEntry(r.Value))), CancellationToken.None);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        WithRowsAsync(rows => rows.TryGetValue((grainId, reminderName), out var row) ? ToEntry(row) : null, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var row = new ReminderFileRow(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, entry.Period, Guid.NewGuid().ToString("N"));
        await MutateAsync(rows => rows[(entry.GrainId, entry.ReminderName)] = row);
        LogUpserted(logger, entry.GrainId, entry.ReminderName, entry.Period);
        return row.ETag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var removed = false;
        await MutateAsync(rows =>
        {
            removed = rows.TryGetValue((grainId, reminderName), out var row) && row.ETag == eTag && rows.Remove((grainId, reminderName));
        });
        return removed;
    }

    public Task TestOnlyClearTable() => MutateAsync(rows => rows.Clear());

    public void Dispose() => _gate.Dispose();

    internal static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry ToEntry(ReminderFileRow row) => new()
    {
        GrainId = GrainId.Parse(row.Grain, System.Globalization.CultureInfo.InvariantCulture),
        ReminderName = row.Name,
        StartAt = row.StartAt,
        Period = row.Period,
        ETag = row.ETag,
    };

    private async Task<T> WithRowsAsync<T>(Func<Dictionary<RowKey, ReminderFileRow>, T> read, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return read(_rows ??= await LoadAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task MutateAsync(Action<Dictionary<RowKey, ReminderFileRow>> change)
    {
        await _gate.WaitAsync();
        try
        {
            // Change a copy and swap it in only once the file is written, so a failed write changes nothing.
            var rows = new Dictionary<RowKey, ReminderFileRow>(_rows ??= await LoadAsync(CancellationToken.None));
            change(rows);
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            await AtomicFile.WriteAllBytesAsync(FilePath, JsonSerializer.SerializeToUtf8Bytes(rows.Values.ToList(), Json), CancellationToken.None);
            _rows = rows;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Dictionary<RowKey, ReminderFileRow>> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(FilePath))
        {
            return [];
        }

        List<ReminderFileRow>? stored;
        try
        {
            await using var stream = File.OpenRead(FilePath);
            stored = await JsonSerializer.DeserializeAsync<List<ReminderFileRow>>(stream, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"reminders file '{FilePath}' is damaged at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}: {ex.Message}", ex);
        }

        return (stored ?? []).ToDictionary(r => (GrainId.Parse(r.Grain, System.Globalization.CultureInfo.InvariantCulture), r.Name));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reminder {ReminderName} of {GrainId} stored, period {Period}")]
    private static partial void LogUpserted(ILogger logger, GrainId grainId, string reminderName, TimeSpan period);
}
