namespace Pipeline.Sharding.Conversion;

/// <summary>What a <see cref="ShardConverter"/> run did.</summary>
/// <param name="Shards">Shards in the input manifest.</param>
/// <param name="Converted">Shards written and committed by this run.</param>
/// <param name="Resumed">Shards the output already held (from an earlier, interrupted run), left as they were.</param>
/// <param name="Samples">Samples in the output's converted shards, both kinds.</param>
public sealed record ConversionSummary(int Shards, int Converted, int Resumed, long Samples);
