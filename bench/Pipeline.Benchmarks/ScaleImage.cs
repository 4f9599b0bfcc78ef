namespace Pipeline.Benchmarks;

/// <summary>What the generated web holds at one image URL, before any pixel is drawn.</summary>
/// <param name="Status">HTTP status: 200, or 404 for a dead link.</param>
/// <param name="IsImage">False for the pages served where an image should be.</param>
/// <param name="Grid">The colour grid drawn (an earlier id's for copies).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="NearCopy">Drawn from an earlier id's grid at another size: a near duplicate of it.</param>
internal sealed record ScaleImage(int Status, bool IsImage, long Grid, int Width, int Height, bool NearCopy);
