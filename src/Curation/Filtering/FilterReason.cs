namespace Pipeline.Curation.Filtering;

/// <summary>Why a filter dropped a sample; written in snake case in logs and summaries.</summary>
public enum FilterReason
{
    /// <summary>The original image's shorter side is below the minimum.</summary>
    ImageTooSmall,

    /// <summary>Longer side over shorter side exceeds the maximum aspect ratio.</summary>
    AspectRatio,

    /// <summary>Fewer caption characters than the minimum.</summary>
    CaptionTooShort,

    /// <summary>More caption characters than the maximum.</summary>
    CaptionTooLong,

    /// <summary>Fewer caption words than the minimum.</summary>
    TooFewWords,

    /// <summary>More caption words than the maximum.</summary>
    TooManyWords,

    /// <summary>The stored image has fewer bytes than the minimum (often a blank or placeholder).</summary>
    FileTooSmall,

    /// <summary>The stored image has more bytes than the maximum.</summary>
    FileTooLarge,
}
