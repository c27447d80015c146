using System.CommandLine;
using AgentCron.Client;
using AgentCron.Cli.Commands;
using AgentCron.Core.Contracts;
using AgentCron.Core.Triggers;

namespace AgentCron.Cli.Tests.Commands;

public sealed class TaskOptionsTests
{
    private static (TaskOptions Options, ParseResult Parse) ParseCreate(params string[] args)
    {
        var command = new Command("create");
        var options = TaskOptions.ForCreate(command);
        return (options, command.Parse(args));
    }

    private static TaskInput Create(params string[] args)
    {
        var (options, parse) = ParseCreate(args);
        Assert.Empty(parse.Errors);
        return options.ToInput(parse, new StringReader(""), "/work/here");
    }

    private static TaskInput Update(params string[] args)
    {
        var command = new Command("update");
        var options = TaskOptions.ForUpdate(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return options.ToInput(parse, new StringReader(""), "/work/here");
    }

    [Fact]
    public void ToInput_MapsEveryFlag_WhenAllGiven()
    {
        var input = Create(
            "--cron", "30 8 * * 1-5", "--tz", "Europe/Berlin", "--prompt", "Digest my PRs", "--name", "PR digest", "--slug", "pr-digest",
            "--agent", "claude", "--model", "sonnet", "--command", "echo hi", "--cwd", "/srv/repo", "--thread", "slack:C1:170.1",
            "--timeout", "10m", "--retries", "3", "--overlap", "queue", "--misfire", "all", "--catch-up", "2h", "--jitter", "30s",
            "--max-failures", "4", "--paused", "--run-now");

        Assert.Equal(
            new TaskInput
            {
                Name = "PR digest",
                Slug = "pr-digest",
                Instructions = "Digest my PRs",
                Trigger = new TriggerInput(Cron: "30 8 * * 1-5", Tz: "Europe/Berlin"),
                Agent = new AgentInput { Provider = "claude", Model = "sonnet", Command = "echo hi", Cwd = "/srv/repo" },
                Thread = "slack:C1:170.1",
                Policies = new PoliciesInput
                {
                    Timeout = "10m",
                    Retries = 3,
                    Overlap = "queue",
                    Misfire = "all",
                    CatchUp = "2h",
                    Jitter = "30s",
                    MaxConsecutiveFailures = 4,
                },
                RunNow = true,
                Active = false,
            },
            input);
    }

    [Theory]
    [InlineData("--at", "+20m")]
    [InlineData("--in", "2h")]
    [InlineData("--every", "15m")]
    [InlineData("--window", "09:00-11:00")]
    public void ToInput_SetsOneTriggerMember_WhenOneKindGiven(string flag, string value)
    {
        var trigger = Create(flag, value, "--prompt", "x").Trigger!;

        Assert.Equal(
            flag switch
            {
                "--at" => new TriggerInput(At: value),
                "--in" => new TriggerInput(In: value),
                "--every" => new TriggerInput(Every: value),
                _ => new TriggerInput(Window: value),
            },
            trigger);
    }

    [Fact]
    public void ToInput_LeavesOutUnsetGroups_WhenOnlyPromptGiven()
    {
        Assert.Equal(new TaskInput { Instructions = "x" }, Create("--prompt", "x"));
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--recurring-follow-ups" }, true)]
    [InlineData(new[] { "--recurring-follow-ups", "false" }, false)]
    public void ToInput_SetsRecurringFollowUps_OnlyWhenGiven(string[] flags, bool? expected)
    {
        var input = Create(["--every", "1h", "--prompt", "x", .. flags]);

        Assert.Equal(expected, input.Policies?.RecurringFollowUps);
    }

    [Fact]
    public void ToInput_AnchorsToTheCurrentRunsThread_WithHere()
    {
        var (options, parse) = ParseCreate("--in", "30m", "--prompt", "check again", "--here");

        var input = options.ToInput(parse, new StringReader(""), "/work/here", "slack:C024BE91L:1700000000.000100");

        Assert.Equal("slack:C024BE91L:1700000000.000100", input.Thread);
    }

    [Theory]
    [InlineData(null, new[] { "--here" }, "AGENTCRON_THREAD is not set")]
    [InlineData("slack:C1:T1", new[] { "--here", "--thread", "slack:C2" }, "--here and --thread both name a thread")]
    public void ToInput_RefusesHere_WhenNoThreadIsKnownOrAnotherIsGiven(string? currentThread, string[] flags, string message)
    {
        var (options, parse) = ParseCreate(["--in", "30m", "--prompt", "x", .. flags]);

        var error = Assert.Throws<UsageException>(() => options.ToInput(parse, new StringReader(""), "/work/here", currentThread));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToInput_MakesCwdAbsolute_WhenRelative()
    {
        Assert.Equal("/work/here/sub", Create("--prompt", "x", "--cwd", "sub").Agent!.Cwd);
    }

    [Fact]
    public void ToInput_ReadsStdin_WhenPromptFileIsDash()
    {
        var (options, parse) = ParseCreate("--in", "5m", "--prompt-file", "-");

        var input = options.ToInput(parse, new StringReader("Check the deploy.\n\n"), "/");

        Assert.Equal("Check the deploy.", input.Instructions);
    }

    [Fact]
    public void ToInput_ReadsFile_WhenPromptFileGiven()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "From a file\n");
            Assert.Equal("From a file", Create("--prompt-file", file).Instructions);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ToInput_ThrowsCommandFailed_WhenPromptFileMissing()
    {
        var (options, parse) = ParseCreate("--prompt-file", "/nonexistent/prompt.md");

        var error = Assert.Throws<CommandFailedException>(() => options.ToInput(parse, new StringReader(""), "/"));
        Assert.StartsWith("--prompt-file: cannot read '/nonexistent/prompt.md'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Fails_WhenTwoTriggerKindsGiven()
    {
        var (_, parse) = ParseCreate("--in", "5m", "--cron", "* * * * *", "--prompt", "x");

        var error = Assert.Single(parse.Errors);
        Assert.Equal("give at most one of --at, --in, --every, --cron, --window; got --in and --cron", error.Message);
    }

    [Fact]
    public void Parse_Fails_WhenCreateHasNoPrompt()
    {
        var (_, parse) = ParseCreate("--in", "5m");

        Assert.Contains(parse.Errors, e => e.Message.Contains("--prompt TEXT or --prompt-file FILE", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Fails_WhenBothPromptAndPromptFileGiven()
    {
        var (_, parse) = ParseCreate("--prompt", "x", "--prompt-file", "-");

        Assert.Contains(parse.Errors, e => e.Message == "give either --prompt or --prompt-file, not both");
    }

    [Fact]
    public void Parse_Fails_WhenOverlapUnknown()
    {
        var (_, parse) = ParseCreate("--prompt", "x", "--overlap", "sometimes");

        Assert.NotEmpty(parse.Errors);
    }

    [Fact]
    public void ToInput_SendsOnlyGivenMembers_WhenUpdating()
    {
        Assert.Equal(
            new TaskInput { Trigger = new TriggerInput(Every: "1h"), Policies = new PoliciesInput { Retries = 0 } },
            Update("--every", "1h", "--retries", "0"));
    }

    [Fact]
    public void ToInput_SendsEmptyTrigger_WhenUpdatingToManual()
    {
        Assert.Equal(new TaskInput { Trigger = new TriggerInput() }, Update("--manual"));
    }

    [Fact]
    public void ToInput_SendsEmptyThread_WhenUpdateRemovesAnchor()
    {
        Assert.Equal(new TaskInput { Thread = "" }, Update("--thread", ""));
    }
}
