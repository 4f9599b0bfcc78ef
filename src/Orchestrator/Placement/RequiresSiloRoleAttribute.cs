using Orleans.Placement;

namespace Pipeline.Orchestrator.Placement;

/// <summary>Places a grain class only on silos started with the given role (<c>pipeline silo --role gpu</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresSiloRoleAttribute(string role, int order = 0)
    : PlacementFilterAttribute(new SiloRolePlacementFilterStrategy(role.ToLowerInvariant(), order))
{
    /// <summary>The required role.</summary>
    public string Role { get; } = role.ToLowerInvariant();
}
