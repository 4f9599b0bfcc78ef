namespace Pipeline.Curation.Queries;

/// <summary>A word found by <see cref="WordTokenizer"/>.</summary>
/// <param name="Start">Index of its first character in the text.</param>
/// <param name="Length">Its length in characters.</param>
/// <param name="FollowsWord">True when only spaces or tabs separate it from the previous word, so the two form a bigram.</param>
public readonly record struct WordToken(int Start, int Length, bool FollowsWord);
