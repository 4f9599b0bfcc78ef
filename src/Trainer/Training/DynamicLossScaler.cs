namespace Pipeline.Trainer.Training;

/// <summary>
/// The loss scale of fp16 training, as PyTorch's <c>GradScaler</c> keeps it: the loss is multiplied by the scale
/// before backward so small gradients survive float16, the gradients are divided by it before the update, and a step
/// whose gradients overflowed is skipped and halves the scale; after <see cref="GrowthInterval"/> clean steps in a row
/// the scale doubles again.
/// </summary>
public sealed class DynamicLossScaler
{
    /// <summary>The scale a run starts at, 2^16.</summary>
    public const double InitialScale = 65_536;

    /// <summary>Clean steps in a row after which the scale doubles.</summary>
    public const int GrowthInterval = 2_000;

    /// <summary>A scaler at <paramref name="scale"/> with <paramref name="cleanSteps"/> clean steps behind it (a resumed run's).</summary>
    public DynamicLossScaler(double scale = InitialScale, int cleanSteps = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(scale, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(cleanSteps);
        Scale = scale;
        CleanSteps = cleanSteps;
    }

    /// <summary>What the loss is multiplied by.</summary>
    public double Scale { get; private set; }

    /// <summary>Clean steps since the scale last changed.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Steps skipped because their gradients overflowed.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Records a step's outcome: an overflow halves the scale, a long enough run of clean steps doubles it.</summary>
    public void Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale /= 2;
            CleanSteps = 0;
            SkippedSteps++;
            return;
        }

        if (++CleanSteps >= GrowthInterval)
        {
            Scale *= 2;
            CleanSteps = 0;
        }
    }
}
