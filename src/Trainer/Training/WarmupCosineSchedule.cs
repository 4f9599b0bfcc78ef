namespace Pipeline.Trainer.Training;

/// <summary>The learning rate at each step: a linear warmup to the base rate, then a cosine decay to zero at the last step.</summary>
public sealed record WarmupCosineSchedule(double BaseRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate for step <paramref name="step"/> (0-based).</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps)
        {
            return BaseRate * (step + 1) / WarmupSteps;
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return 0.5 * (1 + Math.Cos(Math.PI * progress)) * BaseRate;
    }
}
