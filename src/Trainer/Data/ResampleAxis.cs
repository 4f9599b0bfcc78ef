namespace Pipeline.Trainer.Data;

/// <summary>
/// Lanczos3 weights along one axis for scaling <c>source</c> pixels to <c>resized</c> and keeping <c>size</c> of
/// them from <c>offset</c> (a centre crop): for each kept pixel, <see cref="Taps"/> clamped source indices and
/// weights that sum to 1. The same kernel as libvips' reduce (lanczos3 stretched by the shrink factor, pixel
/// centres aligned), so the result matches its resize to within a level of rounding.
/// </summary>
internal sealed class ResampleAxis
{
    public ResampleAxis(int source, int resized, int offset, int size)
    {
        var scale = (double)source / resized;
        var stretch = Math.Max(1.0, scale);
        var support = 3 * stretch;
        Taps = (2 * (int)Math.Ceiling(support)) + 1;
        Indices = new int[size * Taps];
        Weights = new float[size * Taps];
        var raw = new double[Taps];
        for (var i = 0; i < size; i++)
        {
            var centre = ((i + offset + 0.5) * scale) - 0.5;
            var first = (int)Math.Floor(centre) - (Taps / 2) + 1;
            var sum = 0.0;
            for (var t = 0; t < Taps; t++)
            {
                raw[t] = Lanczos3((first + t - centre) / stretch);
                sum += raw[t];
            }

            for (var t = 0; t < Taps; t++)
            {
                // Edge pixels repeat past the border, as libvips' reduce extends its input by copying the edge.
                Indices[(i * Taps) + t] = Math.Clamp(first + t, 0, source - 1);
                Weights[(i * Taps) + t] = (float)(raw[t] / sum);
            }
        }
    }

    /// <summary>Source pixels that contribute to each kept pixel.</summary>
    public int Taps { get; }

    /// <summary>[kept pixel, tap]: the source index, clamped to the image.</summary>
    public int[] Indices { get; }

    /// <summary>[kept pixel, tap]: the weight; each pixel's weights sum to 1.</summary>
    public float[] Weights { get; }

    private static double Lanczos3(double x)
    {
        if (x == 0)
        {
            return 1;
        }

        if (x <= -3 || x >= 3)
        {
            return 0;
        }

        var px = Math.PI * x;
        return 3 * Math.Sin(px) * Math.Sin(px / 3) / (px * px);
    }
}
