using AgentCron.Core;

namespace AgentCron.Core.Tests;

public class InvalidFieldExceptionTests
{
    [Fact]
    public void Under_PrefixesField_WhenNested()
    {
        var error = new InvalidFieldException("cron", "expected 5 or 6 fields").Under("trigger");
        Assert.Equal("trigger.cron", error.Field);
        Assert.Equal("trigger.cron: expected 5 or 6 fields", error.Message);
    }
}
