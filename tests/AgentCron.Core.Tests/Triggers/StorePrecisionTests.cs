using AgentCron.Core.Triggers;

namespace AgentCron.Core.Tests.Triggers;

/// <summary>Regression: an `at` instant with 100 ns ticks came back from the store cut to microseconds and was planned twice.</summary>
public class StorePrecisionTests
{
    private static readonly DateTimeOffset Precise = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    [Fact]
    public void AtTrigger_HasOneOccurrence_AfterARoundTripThroughMicroseconds()
    {
        var trigger = new AtTrigger(Precise);
        var stored = Trigger.Create(TriggerKind.At, trigger.Expression, null, null);
        var nextFireAtAsStored = DateTimeOffset.UnixEpoch.AddTicks((trigger.First(Precise)!.Value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 * 10);

        Assert.Equal(trigger, stored);
        Assert.Equal(trigger.First(Precise), nextFireAtAsStored);
        Assert.Null(stored.NextAfter(nextFireAtAsStored));
    }

    [Fact]
    public void EveryTrigger_KeepsWholeMicrosecondAnchorAndMillisecondInterval_WhenGivenFinerValues()
    {
        var trigger = new EveryTrigger(TimeSpan.FromTicks(TimeSpan.TicksPerSecond * 90 + 3), Precise);
        var stored = Trigger.Create(TriggerKind.Every, trigger.Expression, null, trigger.Anchor);

        Assert.Equal(0, trigger.Anchor!.Value.UtcTicks % 10);
        Assert.Equal(TimeSpan.FromSeconds(90), ((EveryTrigger)stored).Interval);
        Assert.Equal(trigger.NextAfter(Precise), stored.NextAfter(Precise));
    }
}
