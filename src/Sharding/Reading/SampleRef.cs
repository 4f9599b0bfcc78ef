namespace Pipeline.Sharding.Reading;

/// <summary>Where a sample is: shard (index in the manifest), row group, row.</summary>
/// <param name="Shard">Index of the shard in the manifest's commit order.</param>
/// <param name="RowGroup">Row group within the shard.</param>
/// <param name="Row">Row within the row group.</param>
public sealed record SampleRef(int Shard, int RowGroup, int Row);
