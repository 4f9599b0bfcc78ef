namespace Pipeline.Sharding.Samples;

/// <summary>Names of <see cref="ShardFormat"/> as flags, specs and manifests spell them, and their file extensions.</summary>
public static class ShardFormats
{
    /// <summary>The accepted names, for help texts and error messages.</summary>
    public const string Names = "parquet, webdataset";

    /// <summary>The format named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="FormatException">It is not one of <see cref="Names"/>.</exception>
    public static ShardFormat Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "parquet" => ShardFormat.Parquet,
        "webdataset" or "wds" => ShardFormat.Webdataset,
        _ => throw new FormatException($"unknown shard format '{name}'; expected one of: {Names}"),
    };

    /// <summary>The lower-case name of <paramref name="format"/>.</summary>
    public static string Name(ShardFormat format) => format == ShardFormat.Webdataset ? "webdataset" : "parquet";

    /// <summary>The shard file extension, with its dot: <c>.parquet</c> or <c>.tar</c>.</summary>
    public static string Extension(ShardFormat format) => format == ShardFormat.Webdataset ? ".tar" : ".parquet";
}
