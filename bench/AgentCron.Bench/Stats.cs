namespace AgentCron.Bench;

/// <summary>Percentiles by the nearest-rank method.</summary>
internal sealed class Stats
{
    private readonly double[] _sorted;

    public Stats(IEnumerable<double> values)
    {
        _sorted = [.. values];
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;
    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];
    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];
    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();
    public double P50 => Percentile(50);
    public double P90 => Percentile(90);
    public double P99 => Percentile(99);

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }

    /// <summary>p50 / p90 / p99 / max, rounded, for the JSON line.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["p50"] = Math.Round(P50, 3),
        ["p90"] = Math.Round(P90, 3),
        ["p99"] = Math.Round(P99, 3),
        ["max"] = Math.Round(Max, 3),
        ["mean"] = Math.Round(Mean, 3),
    };
}
