namespace Pipeline.Orchestrator.Demo;

/// <summary>One clipart picture of the demo web: its PNG, category label, and the texts its SVG's metadata gives.</summary>
public sealed record ClipartImage(string Id, string PngPath, string Label, string Title, string Description, IReadOnlyList<string> Keywords);
