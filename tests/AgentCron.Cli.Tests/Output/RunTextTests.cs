using System.Text.Json;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Tests.Output;

public sealed class RunTextTests
{
    private static readonly TimeText Time = new(T.I("2026-11-22T07:40:00Z"), T.Berlin);

    private static RunView Run(string json) => JsonSerializer.Deserialize<RunView>(json, Json.Options)!;

    private static LogEntryView Entry(string type, string data) =>
        new(3, T.I("2026-11-22T07:30:02Z"), 1, type, JsonDocument.Parse(data).RootElement.Clone());

    [Fact]
    public void List_PrintsAlignedTableWithTaskSlugs()
    {
        Assert.Equal(
            """
            ID                    TASK          STATUS     ATTEMPT  SCHEDULED                STARTED     DURATION   SUMMARY/ERROR
            r_01jd3x5q2v7k9m4p8s  check-deploy  succeeded  1        2026-11-22 08:30 +01:00  10 min ago  2 min 5 s  All good
            r_2                   check-deploy  failed     1        2026-11-22 08:30 +01:00  10 min ago  2 min 5 s  exit code 3

            """.ReplaceLineEndings("\n"),
            RunText.List([Run(Views.Run()), Run(Views.Run(id: "r_2", status: "failed", error: "\"exit code 3\""))], Time));
    }

    [Fact]
    public void Show_PrintsTaskSlugDurationAndTimes()
    {
        var text = RunText.Show(Run(Views.Run()), Time);

        Assert.Contains("Task:      check-deploy (t_01jd3x5q2v7k9m4p8r)\n", text, StringComparison.Ordinal);
        Assert.Contains("Status:    succeeded\n", text, StringComparison.Ordinal);
        Assert.Contains("Started:   2026-11-22 08:30:01 +01:00 (10 min ago)\n", text, StringComparison.Ordinal);
        Assert.Contains("Duration:  2 min 5 s\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void List_ShowsTaskId_WhenTaskHasNoSlug()
    {
        var run = Run(Views.Run()) with { TaskSlug = null };

        Assert.Contains("  t_01jd3x5q2v7k9m4p8r  succeeded", RunText.List([run], Time), StringComparison.Ordinal);
        Assert.Contains("Task:      t_01jd3x5q2v7k9m4p8r\n", RunText.Show(run, Time), StringComparison.Ordinal);
    }

    [Fact]
    public void Finished_SaysStatusDurationAndError()
    {
        Assert.Equal("run r_2 failed in 2 min 5 s: exit code 3", RunText.Finished(Run(Views.Run(id: "r_2", status: "failed", error: "\"exit code 3\""))));
    }

    [Fact]
    public void LogLine_PrintsText_WhenStdout()
    {
        Assert.Equal(("hello world", false), Entry("stdout", """{"text":"hello world"}""").Line());
    }

    [Fact]
    public void LogLine_MarksStderr_WhenStderr()
    {
        Assert.Equal(("oops", true), Entry("stderr", """{"text":"oops"}""").Line());
    }

    [Fact]
    public void LogLine_PrintsTypeAndCompactJson_WhenOtherEvent()
    {
        Assert.Equal(("""[attempt.finished] {"exitCode":0,"status":"succeeded"}""", false),
            Entry("attempt.finished", """{ "exitCode": 0, "status": "succeeded" }""").Line());
    }
}
