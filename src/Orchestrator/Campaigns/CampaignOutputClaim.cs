using System.Text;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// Marks a campaign's output folder with the spec that fills it (<see cref="CampaignPaths.Spec"/>). Every stage skips
/// work it finds committed there, so a different spec writing into the same folder would silently reuse, and mix
/// with, the old spec's queries, matches, fetch lists and shards: that is refused until the folder is emptied.
/// </summary>
public static class CampaignOutputClaim
{
    /// <summary>Writes the marker, or checks that the one there names the same spec.</summary>
    /// <exception cref="ArgumentException">The folder holds the work of another spec.</exception>
    public static async Task ClaimAsync(CampaignSpec spec, string specJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var marker = new CampaignPaths(spec.Output).Spec;
        if (File.Exists(marker))
        {
            var existing = await File.ReadAllTextAsync(marker, cancellationToken);
            if (CampaignSpecFile.SameSpec(existing, specJson))
            {
                return;
            }

            var owner = TryName(existing);
            throw new ArgumentException(
                $"output '{spec.Output}' holds the work of another spec{(owner is null ? "" : $" (campaign '{owner}')")}, recorded in {marker}; " +
                "give this spec another output, or empty that folder first (its stages would reuse the old spec's committed work)");
        }

        try
        {
            await Sharding.Storage.AtomicFile.WriteAllBytesAsync(marker, Encoding.UTF8.GetBytes(specJson), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"output '{spec.Output}': cannot write {marker}: {ex.Message}", ex);
        }
    }

    private static string? TryName(string json)
    {
        try
        {
            return CampaignSpecFile.Parse(json).Name;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            return null;
        }
    }
}
