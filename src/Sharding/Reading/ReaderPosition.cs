using System.Text.Json;

namespace Pipeline.Sharding.Reading;

/// <summary>
/// Where a <see cref="ShardStreamReader"/> stands after the last sample it returned: the epoch, the next row
/// group (in this rank's order) to read, the shuffle generator's state and the samples waiting in the shuffle
/// buffer. Resuming from it continues the exact same sequence, with nothing repeated or skipped.
/// </summary>
/// <param name="ManifestFingerprint">Identifies the shard list the position refers to.</param>
/// <param name="Epoch">Epoch being read.</param>
/// <param name="NextUnit">Index of the next row group in this rank's order for the epoch.</param>
/// <param name="RngState">State of the shuffle generator.</param>
/// <param name="Buffered">Samples in the shuffle buffer, in buffer order.</param>
public sealed record ReaderPosition(string ManifestFingerprint, int Epoch, int NextUnit, ulong RngState, IReadOnlyList<SampleRef> Buffered)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ReaderPosition FromJson(string json) =>
        JsonSerializer.Deserialize<ReaderPosition>(json, Json) ?? throw new FormatException("empty reader position");
}
