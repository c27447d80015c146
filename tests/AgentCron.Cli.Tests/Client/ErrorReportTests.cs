using AgentCron.Client;
using AgentCron.Core;

namespace AgentCron.Cli.Tests.Client;

public sealed class ErrorReportTests
{
    private static readonly Endpoint Local = new(new Uri("http://127.0.0.1:7433/"), "/home/a/.local/share/agentcron", null, "/home/a/.local/share/agentcron/token");

    [Fact]
    public void Describe_IsUsageNamingField_WhenApiRejectsInput()
    {
        var problem = new ApiProblem(null, "Invalid request", 400, "trigger.cron: expected 5 fields, got 4", "trigger.cron");

        var (exitCode, message) = ErrorReport.Describe(new ApiException(400, problem));

        Assert.Equal(2, exitCode);
        Assert.Equal("agentcron: trigger.cron: expected 5 fields, got 4", message);
    }

    [Fact]
    public void Describe_PrefixesField_WhenDetailLacksIt()
    {
        var problem = new ApiProblem(null, "Invalid request", 400, "expected 5 fields", "trigger.cron");

        Assert.Equal("agentcron: trigger.cron: expected 5 fields", ErrorReport.Describe(new ApiException(400, problem)).Message);
    }

    [Fact]
    public void Describe_SaysWhatDoesNotExist_WhenNotFound()
    {
        var problem = new ApiProblem(null, "Not found", 404, "no task with id or slug 'x'", null);

        var (exitCode, message) = ErrorReport.Describe(new ApiException(404, problem, "task 'x' does not exist"));

        Assert.Equal(1, exitCode);
        Assert.Equal("agentcron: task 'x' does not exist", message);
    }

    [Fact]
    public void Describe_HintsAtTokenFile_WhenUnauthorizedWithoutToken()
    {
        var (exitCode, message) = ErrorReport.Describe(new ApiException(401, null, null, Local));

        Assert.Equal(1, exitCode);
        Assert.Contains("401", message, StringComparison.Ordinal);
        Assert.Contains("/home/a/.local/share/agentcron/token", message, StringComparison.Ordinal);
        Assert.Contains("AGENTCRON_TOKEN", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NamesTokenSource_WhenTokenRejected()
    {
        var (_, message) = ErrorReport.Describe(new ApiException(401, null, null, Local with { Token = "x", TokenSource = "AGENTCRON_TOKEN" }));

        Assert.Contains("the token from AGENTCRON_TOKEN was not accepted", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_IsErrorWithDetail_WhenConflict()
    {
        var problem = new ApiProblem(null, "Conflict", 409, "the task is cancelled; it cannot be paused", null);

        Assert.Equal((1, "agentcron: the task is cancelled; it cannot be paused"), ErrorReport.Describe(new ApiException(409, problem)));
    }

    [Fact]
    public void Describe_SaysDaemonFailed_WhenServerError()
    {
        var (exitCode, message) = ErrorReport.Describe(new ApiException(500, null));

        Assert.Equal(1, exitCode);
        Assert.Equal("agentcron: the daemon failed (500): HTTP 500", message);
    }

    [Fact]
    public void Describe_SaysWhereItLookedAndHowToStart_WhenDaemonUnreachable()
    {
        var (exitCode, message) = ErrorReport.Describe(new DaemonUnreachableException(Local, "connection refused"));

        Assert.Equal(1, exitCode);
        Assert.Equal(
            "agentcron: cannot reach the daemon at http://127.0.0.1:7433 (connection refused). Start it with 'agentcron serve' (or ./agentcron.sh serve), or set AGENTCRON_URL.",
            message);
    }

    [Fact]
    public void Describe_IsUsage_WhenLocalInputInvalid()
    {
        Assert.Equal((2, "agentcron: --cron: bad"), ErrorReport.Describe(new InvalidFieldException("--cron", "bad")));
        Assert.Equal((2, "agentcron: nothing to change"), ErrorReport.Describe(new UsageException("nothing to change")));
    }
}
