namespace Pipeline.Trainer.Training;

/// <summary>One optimizer step, as progress output and the metrics file see it.</summary>
/// <param name="Step">Steps completed (1-based).</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="Loss">The global batch's loss before the update.</param>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="LogitScale">exp of the learned log temperature after the step.</param>
/// <param name="SamplesPerSecond">Global samples per second since the run (or resume) began.</param>
/// <param name="Eta">Estimated time to the last step.</param>
/// <param name="Skipped">Undecodable samples skipped so far on this rank.</param>
public sealed record StepReport(int Step, int Steps, double Loss, double LearningRate, double LogitScale, double SamplesPerSecond, TimeSpan Eta, long Skipped);
