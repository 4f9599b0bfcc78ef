namespace Pipeline.Curation.Overlap;

/// <summary>One image of an evaluation set: the set's position in the job's list, its path inside the set's folder, and its perceptual hash.</summary>
public sealed record EvaluationImage(int Set, string Path, ulong Hash);
