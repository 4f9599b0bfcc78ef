namespace Pipeline.Orchestrator.Tests;

/// <summary>Reads `pipeline doctor` lines: status, check name, detail.</summary>
internal static class DoctorOutput
{
    /// <summary>True when <paramref name="line"/> reports the check called <paramref name="name"/>.</summary>
    public static bool IsCheck(string line, string name)
    {
        var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && fields[0] is "ok" or "FAIL" && fields[1] == name;
    }
}
