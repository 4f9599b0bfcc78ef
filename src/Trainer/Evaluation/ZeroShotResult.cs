namespace Pipeline.Trainer.Evaluation;

/// <summary>Zero-shot accuracy over a labelled image set.</summary>
/// <param name="Images">Images classified.</param>
/// <param name="Classes">Class names competing.</param>
/// <param name="Top1">Fraction whose best-scoring class is the right one.</param>
/// <param name="Top5">Fraction with the right class among the five best.</param>
public sealed record ZeroShotResult(int Images, int Classes, double Top1, double Top5)
{
    /// <summary>Top-1 of guessing.</summary>
    public double Chance => 1.0 / Classes;
}
