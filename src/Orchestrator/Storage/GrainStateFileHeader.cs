namespace Pipeline.Orchestrator.Storage;

/// <summary>First line of a grain state file: what it holds and the ETag of that version.</summary>
/// <param name="Format">Always <see cref="CurrentFormat"/>; anything else is refused.</param>
/// <param name="Grain">The grain id, for people reading the folder.</param>
/// <param name="ETag">Unique per write, so a writer holding an older version is always caught.</param>
/// <param name="Length">Byte length of the serialized state after the header line; detects truncation.</param>
internal sealed record GrainStateFileHeader(string Format, string Grain, string ETag, long Length)
{
    public const string CurrentFormat = "pipeline.grain-state/1";
}
