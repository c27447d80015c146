using AgentCron.Core.Ports;

namespace AgentCron.Core.Tests.Ports;

public class PagingTests
{
    [Fact]
    public void Page_DropsTheLookaheadRowAndPointsAtTheLastKept_WhenMoreRowsThanTheLimit()
    {
        var page = Paging.Page(["c", "b", "a"], 2, key => key);

        Assert.Equal(["c", "b"], page.Items);
        Assert.Equal("b", page.NextCursor);
    }

    [Fact]
    public void Page_HasNoCursor_WhenTheRowsFitTheLimit()
    {
        var page = Paging.Page(["b", "a"], 2, key => key);

        Assert.Equal(["b", "a"], page.Items);
        Assert.Null(page.NextCursor);
    }
}
