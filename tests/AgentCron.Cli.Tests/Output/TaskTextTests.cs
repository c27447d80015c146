using System.Text.Json;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Tests.Output;

public sealed class TaskTextTests
{
    private static readonly TimeText Time = new(T.I("2026-11-22T07:40:00Z"), T.Berlin);

    private static TaskView Task(string json) => JsonSerializer.Deserialize<TaskView>(json, Json.Options)!;

    [Fact]
    public void Created_EchoesWhenOneTimeTaskFires()
    {
        Assert.Equal(
            "Created task check-deploy (t_01jd3x5q2v7k9m4p8r): fires once at 2026-11-22 09:00:00 +01:00 (in 20 min)",
            TaskText.Created(Task(Views.Task()), Time));
    }

    [Fact]
    public void Created_EchoesDescriptionAndNextRun_WhenRecurring()
    {
        var task = Task(Views.Task(
            trigger: """{"kind":"cron","expression":"30 8 * * 1-5","tz":"Europe/Berlin","description":"at 08:30 on weekdays (Europe/Berlin)"}""",
            nextFireAt: "\"2026-11-23T07:30:00+00:00\""));

        Assert.Equal(
            "Created task check-deploy (t_01jd3x5q2v7k9m4p8r): at 08:30 on weekdays (Europe/Berlin); next run at 2026-11-23 08:30:00 +01:00 (in 23 h 50 min)",
            TaskText.Created(task, Time));
    }

    [Fact]
    public void Created_SaysDueNow_WhenCreatedWhileItsWindowIsOpen()
    {
        // 07:40Z is 08:40 in Berlin: today's 08:00-10:00 window is open, so its occurrence (the window's start) is due.
        var task = Task(Views.Task(
            trigger: """{"kind":"window","expression":"08:00-10:00","tz":"Europe/Berlin","description":"once a day between 08:00 and 10:00 (Europe/Berlin)"}""",
            nextFireAt: "\"2026-11-22T07:00:00+00:00\""));

        Assert.Equal(
            "Created task check-deploy (t_01jd3x5q2v7k9m4p8r): once a day between 08:00 and 10:00 (Europe/Berlin); next run now (due since 2026-11-22 08:00:00 +01:00)",
            TaskText.Created(task, Time));
        Assert.Contains("Next run:     now (due since 2026-11-22 08:00:00 +01:00)\n", TaskText.Show(task, Time), StringComparison.Ordinal);
        Assert.Contains("  active  now (due since 2026-11-22 08:00 +01:00)  ", TaskText.List([task], Time), StringComparison.Ordinal);
    }

    [Fact]
    public void Cancelled_SaysTheTaskStaysActive_WhenRecurring()
    {
        var task = Task(Views.Task(trigger: """{"kind":"every","expression":"1h","description":"every 1 h"}"""));

        Assert.Equal(
            "Cancelled the queued and running runs of task check-deploy (t_01jd3x5q2v7k9m4p8r), if any; it stays active ('agentcron task pause check-deploy' stops it firing).",
            TaskText.Cancelled(task));
        Assert.Equal("Cancelled task check-deploy (t_01jd3x5q2v7k9m4p8r).", TaskText.Cancelled(Task(Views.Task(status: "cancelled"))));
    }

    [Fact]
    public void Created_SaysManualOnly_WhenNoTrigger()
    {
        var task = Task(Views.Task(trigger: "null", nextFireAt: "null"));

        Assert.Equal(
            "Created task check-deploy (t_01jd3x5q2v7k9m4p8r): manual only; start a run with 'agentcron task run check-deploy'",
            TaskText.Created(task, Time));
    }

    [Fact]
    public void Created_SaysPaused_WhenCreatedPaused()
    {
        var task = Task(Views.Task(status: "paused"));

        Assert.EndsWith("once at 2026-11-22 08:00 +00:00, paused; resume it with 'agentcron task resume check-deploy'", TaskText.Created(task, Time), StringComparison.Ordinal);
    }

    [Fact]
    public void List_PrintsAlignedTable()
    {
        var tasks = new[]
        {
            Task(Views.Task(lastRun: "\"lastRunStatus\": \"succeeded\", \"lastRunAt\": \"2026-11-22T07:35:00+00:00\",")),
            Task(Views.Task(slug: "digest", id: "t_2", status: "paused", trigger: "null", nextFireAt: "null")),
        };

        Assert.Equal(
            """
            SLUG          ID                    NAME          TRIGGER                          STATUS  NEXT RUN                             LAST RUN
            check-deploy  t_01jd3x5q2v7k9m4p8r  Check deploy  once at 2026-11-22 08:00 +00:00  active  in 20 min (2026-11-22 09:00 +01:00)  succeeded 5 min ago
            digest        t_2                   Check deploy  manual                           paused  -                                    -

            """.ReplaceLineEndings("\n"),
            TaskText.List(tasks, Time));
    }

    [Fact]
    public void List_SaysNoTasks_WhenEmpty()
    {
        Assert.Equal("No tasks.\n", TaskText.List([], Time));
    }

    [Fact]
    public void Show_PrintsKeyValuesWithPoliciesAndInstructions()
    {
        var text = TaskText.Show(Task(Views.Task()), Time);

        Assert.Contains("Task:         check-deploy (t_01jd3x5q2v7k9m4p8r)\n", text, StringComparison.Ordinal);
        Assert.Contains("Next run:     2026-11-22 09:00:00 +01:00 (in 20 min)\n", text, StringComparison.Ordinal);
        Assert.Contains("Timeout:      30 min\n", text, StringComparison.Ordinal);
        Assert.Contains("Misfire:      once (catch up within 1 h)\n", text, StringComparison.Ordinal);
        Assert.Contains("Jitter:       none\n", text, StringComparison.Ordinal);
        Assert.Contains("Max failures: pause after 5 consecutive failures (now 0)\n", text, StringComparison.Ordinal);
        Assert.Contains("Last run:     never\n", text, StringComparison.Ordinal);
        Assert.EndsWith("Instructions: Check the deploy.\n              Report back.\n", text, StringComparison.Ordinal);
    }
}
