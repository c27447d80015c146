using AgentCron.Core.Engine;

namespace AgentCron.Core.Tests.Engine;

public class BackoffTests
{
    [Theory]
    [InlineData(10, 600)]
    [InlineData(1, 3600)]
    [InlineData(3600, 86400)]
    public void Delay_FallsWithinHalfToFullOfTheCappedExponentialDelay_ForEveryRetry(int baseSeconds, int maxSeconds)
    {
        var baseDelay = TimeSpan.FromSeconds(baseSeconds);
        var max = TimeSpan.FromSeconds(maxSeconds);
        var random = new Random(1);
        foreach (var retry in Enumerable.Range(1, 70).Concat([100, 1000, int.MaxValue]))
        {
            var full = Math.Min(max.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 62)));
            for (var sample = 0; sample < 50; sample++)
            {
                var delay = Backoff.Delay(retry, baseDelay, max, random);
                Assert.InRange(delay.Ticks, (long)full / 2, (long)full);
            }
        }
    }

    [Fact]
    public void Delay_DoublesPerRetry_UntilTheCap()
    {
        var random = new Random(2);
        var baseDelay = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(10);

        Assert.InRange(Backoff.Delay(1, baseDelay, max, random), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.InRange(Backoff.Delay(2, baseDelay, max, random), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        Assert.InRange(Backoff.Delay(3, baseDelay, max, random), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));
        Assert.InRange(Backoff.Delay(7, baseDelay, max, random), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        Assert.InRange(Backoff.Delay(1000, baseDelay, max, random), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Delay_NeverOverflows_WhenABigBaseMeetsAHighRetry()
    {
        // Regression: base·2^30 overflowed a long for bases above ~2.4 h (and 1 h at 2^33), giving negative delays.
        var random = new Random(3);

        Assert.InRange(Backoff.Delay(1000, TimeSpan.FromHours(1), TimeSpan.FromDays(1), random), TimeSpan.FromHours(12), TimeSpan.FromDays(1));
        Assert.InRange(Backoff.Delay(31, TimeSpan.FromDays(1), TimeSpan.FromDays(7), random), TimeSpan.FromDays(3.5), TimeSpan.FromDays(7));
    }

    [Fact]
    public void Delay_SpreadsOverTheInterval_InsteadOfRepeatingOneValue()
    {
        var random = new Random(4);

        var delays = Enumerable.Range(0, 200).Select(_ => Backoff.Delay(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), random)).ToList();

        Assert.True(delays.Max() - delays.Min() > TimeSpan.FromSeconds(15), $"spread {delays.Max() - delays.Min()}");
    }

    [Fact]
    public void Delay_Throws_WhenRetryIsBelowOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Delay(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), new Random(5)));
}
