using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Jobs;

/// <summary>Small objects that curation keeps beside the shards of its output store: work files, logs, summaries, JSON.</summary>
public static class StoreFile
{
    /// <summary>JSON as curation writes it: camel case, enums as strings, indented.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>True when <paramref name="path"/> exists in <paramref name="store"/>.</summary>
    public static async Task<bool> ExistsAsync(IShardStore store, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.GetLengthAsync(path, cancellationToken) is not null;
    }

    /// <summary>Writes <paramref name="path"/>, replacing what is there; it appears whole or not at all.</summary>
    public static async Task WriteAsync(IShardStore store, string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        await store.DeleteAsync(path, cancellationToken);
        await using var staged = await store.BeginWriteAsync(path, cancellationToken);
        await write(staged.Stream, cancellationToken);
        await staged.CommitAsync(cancellationToken);
    }

    /// <summary>Writes <paramref name="value"/> as JSON to <paramref name="path"/>.</summary>
    public static Task WriteJsonAsync<T>(IShardStore store, string path, T value, CancellationToken cancellationToken) =>
        WriteAsync(store, path, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, Json, ct), cancellationToken);

    /// <summary>Reads <paramref name="path"/> whole.</summary>
    /// <exception cref="FileNotFoundException">It does not exist.</exception>
    public static async Task<MemoryStream> ReadAsync(IShardStore store, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetLengthAsync(path, cancellationToken) is null)
        {
            throw new FileNotFoundException($"{store.Describe(path)} does not exist");
        }

        await using var stream = await store.OpenSequentialAsync(path, cancellationToken);
        var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cancellationToken);
        memory.Position = 0;
        return memory;
    }

    /// <summary>Reads JSON written by <see cref="WriteJsonAsync"/>; null when the object does not exist.</summary>
    /// <exception cref="InvalidDataException">It is not valid JSON of <typeparamref name="T"/> (the path is named).</exception>
    public static async Task<T?> ReadJsonAsync<T>(IShardStore store, string path, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetLengthAsync(path, cancellationToken) is null)
        {
            return null;
        }

        await using var stream = await ReadAsync(store, path, cancellationToken);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{store.Describe(path)}: {ex.Message}", ex);
        }
    }
}
