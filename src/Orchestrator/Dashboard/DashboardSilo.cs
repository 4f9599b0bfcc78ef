namespace Pipeline.Orchestrator.Dashboard;

/// <summary>An active silo as the dashboard lists it.</summary>
public sealed record DashboardSilo(string Address, string Name, IReadOnlyList<string> Roles, int GpuSlots);
