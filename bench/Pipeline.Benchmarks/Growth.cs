namespace Pipeline.Benchmarks;

/// <summary>How a cost grows with N: the least-squares slope of log(cost) over log(N) (1 is linear, 2 quadratic).</summary>
internal static class Growth
{
    public static double Exponent(IEnumerable<(double N, double Cost)> points)
    {
        var logs = points.Where(p => p.N > 0 && p.Cost > 0).Select(p => (X: Math.Log(p.N), Y: Math.Log(p.Cost))).ToList();
        var mx = logs.Average(p => p.X);
        var my = logs.Average(p => p.Y);
        return Math.Round(logs.Sum(p => (p.X - mx) * (p.Y - my)) / logs.Sum(p => (p.X - mx) * (p.X - mx)), 3);
    }
}
