namespace Pipeline.Trainer.Data;

/// <summary>One rank's share of a global batch, as host arrays ready to become tensors.</summary>
/// <param name="Images">Normalised pixels, [Count, 3, Size, Size] flattened.</param>
/// <param name="Tokens">Token ids, [Count, Context] flattened.</param>
/// <param name="Count">Samples in the batch.</param>
/// <param name="PositionAfter">Where the reader stands once this batch is consumed; a checkpoint after this step resumes from it.</param>
/// <param name="Skipped">Samples passed over because their image could not be decoded.</param>
public sealed record TrainingBatch(float[] Images, long[] Tokens, int Count, LoaderPosition PositionAfter, int Skipped);
