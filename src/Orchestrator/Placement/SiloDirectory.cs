using System.Globalization;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Pipeline.Orchestrator.Placement;

/// <summary>The cluster's active silos with their roles and GPU slots, read from membership and silo metadata.</summary>
public sealed class SiloDirectory(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    /// <summary>The role of silos that run training workers.</summary>
    public const string GpuRole = "gpu";

    /// <summary>Silo metadata key holding the number of GPUs a gpu silo offers.</summary>
    public const string GpuSlotsKey = "pipeline-gpus";

    /// <summary>Active silos, ordered by address so every caller sees the same order.</summary>
    public IReadOnlyList<ClusterSilo> ActiveSilos()
    {
        var silos = new List<ClusterSilo>();
        foreach (var member in membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal))
        {
            var values = metadata.GetSiloMetadata(member.SiloAddress).Metadata;
            var roles = values.TryGetValue(SiloRoles.MetadataKey, out var r) ? SiloRoles.FromMetadata(r).Names.ToList() : [];
            var slots = values.TryGetValue(GpuSlotsKey, out var g) && int.TryParse(g, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
            silos.Add(new ClusterSilo(member.SiloAddress, member.Name, roles, slots));
        }

        return silos;
    }
}
