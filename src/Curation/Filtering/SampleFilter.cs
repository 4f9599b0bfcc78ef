using System.Globalization;
using Pipeline.Sharding.Samples;

namespace Pipeline.Curation.Filtering;

/// <summary>Applies <see cref="SampleFilterOptions"/> to one sample; the first failing check is the reason. Thread-safe.</summary>
public sealed class SampleFilter
{
    private readonly SampleFilterOptions _options;

    /// <summary>A filter with <paramref name="options"/>.</summary>
    public SampleFilter(SampleFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Null when the sample passes; otherwise the reason. <paramref name="caption"/> is the normalized caption.</summary>
    public FilterVerdict? Check(Sample sample, string caption)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(caption);
        var o = _options;
        var shorter = Math.Min(sample.OriginalWidth, sample.OriginalHeight);
        var longer = Math.Max(sample.OriginalWidth, sample.OriginalHeight);
        if (shorter < o.MinSide)
        {
            return new(FilterReason.ImageTooSmall, Invariant($"{sample.OriginalWidth}x{sample.OriginalHeight}, shorter side below {o.MinSide}"));
        }

        if (o.MaxAspectRatio > 0 && longer > o.MaxAspectRatio * Math.Max(shorter, 1))
        {
            return new(FilterReason.AspectRatio, Invariant($"{sample.OriginalWidth}x{sample.OriginalHeight}, aspect ratio {(double)longer / Math.Max(shorter, 1):0.##} above {o.MaxAspectRatio}"));
        }

        if (caption.Length < o.MinCaptionChars)
        {
            return new(FilterReason.CaptionTooShort, Invariant($"{caption.Length} characters, below {o.MinCaptionChars}"));
        }

        if (o.MaxCaptionChars > 0 && caption.Length > o.MaxCaptionChars)
        {
            return new(FilterReason.CaptionTooLong, Invariant($"{caption.Length} characters, above {o.MaxCaptionChars}"));
        }

        var words = CaptionNormalizer.CountWords(caption);
        if (words < o.MinCaptionWords)
        {
            return new(FilterReason.TooFewWords, Invariant($"{words} words, below {o.MinCaptionWords}"));
        }

        if (o.MaxCaptionWords > 0 && words > o.MaxCaptionWords)
        {
            return new(FilterReason.TooManyWords, Invariant($"{words} words, above {o.MaxCaptionWords}"));
        }

        if (sample.Image.Length < o.MinImageBytes)
        {
            return new(FilterReason.FileTooSmall, Invariant($"{sample.Image.Length} bytes, below {o.MinImageBytes}"));
        }

        return o.MaxImageBytes > 0 && sample.Image.Length > o.MaxImageBytes
            ? new(FilterReason.FileTooLarge, Invariant($"{sample.Image.Length} bytes, above {o.MaxImageBytes}"))
            : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
