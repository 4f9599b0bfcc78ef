using Pipeline.Trainer.Evaluation;

namespace Pipeline.Trainer.Training;

/// <summary>What a run did.</summary>
/// <param name="FirstStep">The step it started at (0, or the resumed checkpoint's).</param>
/// <param name="Losses">Loss of each step it ran, in order.</param>
/// <param name="Checkpoint">The last checkpoint written.</param>
/// <param name="Evaluation">The final zero-shot result, when an evaluation folder was given.</param>
public sealed record TrainingOutcome(int FirstStep, IReadOnlyList<double> Losses, string Checkpoint, ZeroShotResult? Evaluation);
