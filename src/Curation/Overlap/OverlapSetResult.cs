namespace Pipeline.Curation.Overlap;

/// <summary>One evaluation set's overlap with the data set, as CLIP's paper reports it per set.</summary>
/// <param name="Name">The set's name.</param>
/// <param name="Images">Images of the set that decoded.</param>
/// <param name="ImagesWithDuplicate">Of those, how many have a near duplicate in the data set.</param>
/// <param name="Percent">That as a percentage of <paramref name="Images"/>.</param>
/// <param name="Samples">Data-set samples that copy an image of this set.</param>
public sealed record OverlapSetResult(string Name, int Images, int ImagesWithDuplicate, double Percent, long Samples);
