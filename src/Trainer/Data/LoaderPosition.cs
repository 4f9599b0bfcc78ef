using Pipeline.Sharding.Reading;

namespace Pipeline.Trainer.Data;

/// <summary>Where a <see cref="BatchLoader"/> stands: the shard reader's position and how far into the current global batch the sample sequence is.</summary>
/// <param name="Reader">The shard reader's position.</param>
/// <param name="Offset">Samples read since the last global batch boundary (always 0 with <see cref="DataSplit.RowGroups"/>).</param>
public sealed record LoaderPosition(ReaderPosition Reader, int Offset);
