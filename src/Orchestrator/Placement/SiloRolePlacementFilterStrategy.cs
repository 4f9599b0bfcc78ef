using Orleans.Metadata;
using Orleans.Placement;

namespace Pipeline.Orchestrator.Placement;

/// <summary>Placement filter that admits only silos carrying <see cref="Role"/>; carried to every silo in the grain's properties.</summary>
public sealed class SiloRolePlacementFilterStrategy(string role, int order) : PlacementFilterStrategy(order)
{
    private const string RoleProperty = "role";

    public SiloRolePlacementFilterStrategy()
        : this(string.Empty, 0)
    {
    }

    /// <summary>The role a silo must carry to host the grain.</summary>
    public string Role { get; private set; } = role;

    public override void AdditionalInitialize(GrainProperties properties) =>
        Role = GetPlacementFilterGrainProperty(RoleProperty, properties) ?? string.Empty;

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(
        IServiceProvider services, Type grainClass, GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new KeyValuePair<string, string>(RoleProperty, Role);
    }
}
