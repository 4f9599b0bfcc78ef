using System.Text.Json.Serialization;

namespace Pipeline.Sharding.Samples;

/// <summary>The file format of a shard: Parquet (the default) or a webdataset tar of <c>KEY.jpg</c>, <c>KEY.txt</c>, <c>KEY.json</c> members.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ShardFormat>))]
public enum ShardFormat
{
    [JsonStringEnumMemberName("parquet")]
    Parquet,

    [JsonStringEnumMemberName("webdataset")]
    Webdataset,
}
