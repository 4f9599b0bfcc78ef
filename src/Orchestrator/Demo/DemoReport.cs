using System.Globalization;
using Pipeline.Orchestrator.Grains.Training;

namespace Pipeline.Orchestrator.Demo;

/// <summary>
/// What a demo run measured, as the short table <c>pipeline demo</c> prints at its end: each stage's result (the first
/// clause of the campaign status's summary), the training steps, top-1 and top-5 of every evaluation with the best
/// marked, where the best weights are, chance, and where the dashboard was.
/// </summary>
/// <param name="Stages">Stage name and its campaign summary, in stage order (the training stage is shown by <paramref name="Evaluations"/>).</param>
/// <param name="Step">Training steps done.</param>
/// <param name="Steps">Training steps asked for.</param>
/// <param name="Batch">Samples per step.</param>
/// <param name="Evaluations">Each zero-shot evaluation: step, top-1 (<see cref="TrainingPoint.Value"/>) and top-5 (<see cref="TrainingPoint.Extra"/>).</param>
/// <param name="BestStep">The step whose weights the trainer kept as the best, or null when none were kept.</param>
/// <param name="BestCheckpoint">The best weights' checkpoint folder, or null.</param>
/// <param name="Categories">Classes the evaluation chooses among.</param>
/// <param name="HeldOut">Held-out pictures evaluated.</param>
/// <param name="Dashboard">Where the live dashboard was, or null when none was served.</param>
public sealed record DemoReport(
    IReadOnlyList<KeyValuePair<string, string>> Stages,
    int Step,
    int Steps,
    int Batch,
    IReadOnlyList<TrainingPoint> Evaluations,
    int? BestStep,
    string? BestCheckpoint,
    int Categories,
    int HeldOut,
    Uri? Dashboard)
{
    /// <summary>The table's first line.</summary>
    public const string Heading = "demo: what it measured";

    /// <summary>The table, one string per line: <see cref="Heading"/>, then rows of a label column and a value.</summary>
    public IReadOnlyList<string> Lines()
    {
        var rows = new List<(string Label, string Value)>();
        foreach (var (stage, summary) in Stages)
        {
            rows.Add((stage, FirstClause(stage, summary)));
        }

        rows.Add(("train", Invariant($"{Step:N0} of {Steps:N0} steps of {Batch} pairs")));
        foreach (var e in Evaluations)
        {
            rows.Add((Invariant($"  step {e.Step}"), Invariant($"top-1 {e.Value,7:P1}   top-5 {e.Extra,7:P1}{(e.Step == BestStep ? "   best" : "")}")));
        }

        rows.Add(("chance", Invariant($"top-1 {1.0 / Math.Max(1, Categories),7:P1}   ({Categories} categories, {HeldOut:N0} held-out pictures)")));
        rows.Add(("best", BestCheckpoint is null ? "none kept" : Invariant($"{BestCheckpoint} (step {BestStep})")));
        rows.Add(("dashboard", Dashboard?.ToString() ?? "not served"));
        var width = rows.Max(r => r.Label.Length) + 2;
        return [Heading, .. rows.Select(r => "  " + r.Label.PadRight(width) + r.Value)];
    }

    /// <summary>A stage summary's first clause, without a repeated stage name (<c>filter: 960 samples in, ...</c>).</summary>
    private static string FirstClause(string stage, string summary)
    {
        var first = summary.Split("; ", 2)[0];
        return first.StartsWith(stage + ": ", StringComparison.OrdinalIgnoreCase) ? first[(stage.Length + 2)..] : first;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
