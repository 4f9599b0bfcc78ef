namespace Pipeline.Orchestrator.Doctor;

/// <summary>The outcome of one doctor check, printed as one line.</summary>
/// <param name="Name">Short name of what was checked (e.g. <c>torch</c>).</param>
/// <param name="Passed">Whether the check passed.</param>
/// <param name="Detail">What was found, or why it failed.</param>
/// <param name="Elapsed">How long the check took.</param>
public sealed record DoctorCheck(string Name, bool Passed, string Detail, TimeSpan Elapsed)
{
    /// <summary>One aligned line: status, name, detail and time.</summary>
    public string ToLine() => $"{(Passed ? "ok  " : "FAIL")}  {Name,-10}  {Detail} ({Elapsed.TotalSeconds:0.00} s)";
}
