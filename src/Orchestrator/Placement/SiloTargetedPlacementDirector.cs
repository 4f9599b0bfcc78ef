using Orleans.Runtime.Placement;

namespace Pipeline.Orchestrator.Placement;

/// <summary>Chooses the silo whose address ends the grain's key; fails when that silo is not (or no longer) a member.</summary>
internal sealed class SiloTargetedPlacementDirector : IPlacementDirector
{
    private const char Separator = '@';

    /// <summary>A key for a grain that must run on <paramref name="silo"/>; <paramref name="name"/> must not hold '@' (a silo address does).</summary>
    public static string KeyFor(string name, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return $"{name}{Separator}{silo.ToParsableString()}";
    }

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = target.GrainIdentity.Key.ToString() ?? string.Empty;
        var at = key.IndexOf(Separator, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new OrleansException($"grain {target.GrainIdentity} has no '@silo' in its key, which silo-targeted placement needs");
        }

        var wanted = SiloAddress.FromParsableString(key[(at + 1)..]);
        var silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.Equals(wanted));
        return silo is not null
            ? Task.FromResult(silo)
            : throw new OrleansException($"silo {wanted} of grain {target.GrainIdentity} is not an active member of the cluster");
    }
}
