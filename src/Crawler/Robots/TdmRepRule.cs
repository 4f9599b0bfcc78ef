namespace Pipeline.Crawler.Robots;

/// <summary>One declaration of a host's <c>tdmrep.json</c>: where it applies, whether TDM rights are reserved there, and the policy offered.</summary>
public sealed record TdmRepRule(string Location, bool Reserved, string? Policy);
