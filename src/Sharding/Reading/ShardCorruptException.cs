namespace Pipeline.Sharding.Reading;

/// <summary>A shard's bytes are not what the manifest committed: truncated, altered or unreadable.</summary>
public sealed class ShardCorruptException : Exception
{
    public ShardCorruptException(string shard, string location, int? rowGroup, long? offset, string reason, Exception? innerException = null)
        : base(Format(shard, location, rowGroup, offset, reason), innerException)
    {
        Shard = shard;
        Location = location;
        RowGroup = rowGroup;
        Offset = offset;
        Reason = reason;
    }

    public ShardCorruptException()
    {
        Shard = Location = Reason = "";
    }

    public ShardCorruptException(string message)
        : base(message)
    {
        Shard = Location = Reason = "";
    }

    public ShardCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
        Shard = Location = Reason = "";
    }

    /// <summary>The shard's manifest name.</summary>
    public string Shard { get; }

    /// <summary>The shard file's full path or URL.</summary>
    public string Location { get; }

    /// <summary>The row group that failed, when the damage is inside one.</summary>
    public int? RowGroup { get; }

    /// <summary>Byte offset of the damaged range, when known.</summary>
    public long? Offset { get; }

    public string Reason { get; }

    private static string Format(string shard, string location, int? rowGroup, long? offset, string reason) =>
        $"shard '{shard}' ({location})" + (rowGroup is { } g ? $", row group {g}" : "") + (offset is { } o ? $", byte {o}" : "") + $": {reason}";
}
