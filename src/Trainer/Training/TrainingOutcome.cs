using Pipeline.Trainer.Evaluation;

namespace Pipeline.Trainer.Training;

/// <summary>What a run did.</summary>
/// <param name="FirstStep">The step it started at (0, or the resumed checkpoint's).</param>
/// <param name="Losses">Loss of each step it ran, in order.</param>
/// <param name="Checkpoint">The last checkpoint written.</param>
/// <param name="Evaluation">The final zero-shot result, when an evaluation folder was given.</param>
/// <param name="Best">The best evaluation's checkpoint so far (<c>OUT/best/step-N</c>), when an evaluation folder was given.</param>
public sealed record TrainingOutcome(int FirstStep, IReadOnlyList<double> Losses, string Checkpoint, ZeroShotResult? Evaluation, BestCheckpoint? Best = null);

/// <summary>The weights of a run's best zero-shot evaluation: highest top-1, the earlier step on a tie.</summary>
/// <param name="Path">Its checkpoint folder, <c>OUT/best/step-N</c>.</param>
/// <param name="Step">The step it was evaluated at.</param>
/// <param name="Evaluation">What it measured.</param>
public sealed record BestCheckpoint(string Path, int Step, ZeroShotResult Evaluation);
