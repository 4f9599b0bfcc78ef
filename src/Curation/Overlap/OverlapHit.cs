namespace Pipeline.Curation.Overlap;

/// <summary>A data-set sample whose image is within the distance limit of an evaluation image (its position in the job's image list).</summary>
public sealed record OverlapHit(string Key, string Url, int Image, int Distance);
