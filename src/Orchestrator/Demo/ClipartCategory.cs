namespace Pipeline.Orchestrator.Demo;

/// <summary>A clipart folder of Debian's openclipart packages and the class name zero-shot evaluation uses for it.</summary>
public sealed record ClipartCategory(string Folder, string Label)
{
    /// <summary>The demo's categories: distinct enough to tell apart at 32 pixels, each with enough pictures.</summary>
    public static IReadOnlyList<ClipartCategory> Defaults { get; } =
    [
        new("animals", "animal"), new("buildings", "building"), new("food", "food"), new("people", "person"),
        new("plants", "plant"), new("transportation", "vehicle"), new("tools", "tool"), new("geography", "map"),
    ];
}
