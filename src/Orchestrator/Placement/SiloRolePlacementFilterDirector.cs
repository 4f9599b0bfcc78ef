using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Pipeline.Orchestrator.Placement;

/// <summary>Keeps the candidate silos whose published roles include the strategy's role.</summary>
internal sealed class SiloRolePlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var role = (filterStrategy as SiloRolePlacementFilterStrategy)?.Role;
        if (string.IsNullOrEmpty(role))
        {
            return silos;
        }

        // No match yields no candidates, so activation fails with Orleans' "no compatible silo" error instead of
        // quietly running a gpu grain on a cpu silo.
        return silos.Where(silo =>
            metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var value)
            && SiloRoles.FromMetadata(value).Names.Contains(role));
    }
}
