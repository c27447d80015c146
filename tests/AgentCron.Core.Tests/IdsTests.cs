using AgentCron.TestKit;

namespace AgentCron.Core.Tests;

public class IdsTests
{
    [Fact]
    public void New_IncreasesStrictly_WhenManyIdsAreMadeInOneMillisecond()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));

        var ids = Enumerable.Range(0, 1000).Select(_ => Ids.New("t", time)).ToList();

        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(Ids.IsValid("t", id), id));
    }

    [Fact]
    public void New_StartsWithTheTime_SoIdsOfLaterMillisecondsSortAfter()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
        var first = Ids.New("r", time);
        time.Advance(TimeSpan.FromMilliseconds(1));

        var second = Ids.New("r", time);

        Assert.True(string.CompareOrdinal(first, second) < 0);
    }

    [Theory]
    [InlineData("t_01jd3x5q2v7k9m4p8r", true)]
    [InlineData("r_01jd3x5q2v7k9m4p8r", false)]
    [InlineData("t_01jd3x5q2v7k9m4p8", false)]
    [InlineData("t_01jd3x5q2v7k9m4p8u", false)]
    public void IsValid_AcceptsOnlyTheIdShape(string text, bool valid) => Assert.Equal(valid, Ids.IsValid("t", text));
}
