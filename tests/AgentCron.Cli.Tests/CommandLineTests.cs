using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests;

/// <summary>How the command line is read: no response files, and parse errors that name the option and what it allows.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("@daily", "daily at 00:00 (UTC)", "2026-11-23 00:00:00 +00:00  Mon")]
    [InlineData("@weekly", "at 00:00 on Sundays (UTC)", "2026-11-29 00:00:00 +00:00  Sun")]
    public async Task Preview_ReadsCronMacro_WhenItStartsWithAt(string macro, string description, string first)
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        var exitCode = await cli.RunAsync("preview", "--cron", macro, "--tz", "Etc/UTC", "--count", "1");

        Assert.True(exitCode == 0, cli.Error.ToString());
        Assert.Equal($"{description}\n{first}\n", cli.Out.ToString());
    }

    [Theory]
    [InlineData("--cron", "@daily", "cron")]
    [InlineData("--cron", "@weekly", "cron")]
    [InlineData("--prompt", "@oncall check the deploy", "instructions")]
    public async Task TaskCreate_SendsArgumentStartingWithAtAsWritten(string option, string value, string member)
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(), 201));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync(option == "--prompt" ? ["task", "create", option, value] : ["task", "create", "--prompt", "x", option, value]);

        Assert.True(exitCode == 0, cli.Error.ToString());
        using var body = JsonDocument.Parse(Assert.Single(daemon.Requests).Body);
        var sent = member == "cron" ? body.RootElement.GetProperty("trigger").GetProperty("cron") : body.RootElement.GetProperty(member);
        Assert.Equal(value, sent.GetString());
    }

    [Fact]
    public async Task TaskCreate_SendsPromptNamingAFileLiterally_WhenTheFileHoldsFlags()
    {
        using var dir = new TempDirectory();
        var file = dir.File("flags");
        File.WriteAllText(file, "--retries\n9\n--name\ninjected\n--run-now\n");
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(), 201));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "create", "--prompt", "@" + file);

        Assert.True(exitCode == 0, cli.Error.ToString());
        using var body = JsonDocument.Parse(Assert.Single(daemon.Requests).Body);
        Assert.Equal(["instructions"], body.RootElement.EnumerateObject().Select(m => m.Name));
        Assert.Equal("@" + file, body.RootElement.GetProperty("instructions").GetString());
    }

    [Theory]
    [InlineData("--retries abc", "--retries: 'abc' is not allowed; use a whole number ≥ 0")]
    [InlineData("--retries -1", "--retries: '-1' is not allowed; use a whole number ≥ 0")]
    [InlineData("--retries 1.5", "--retries: '1.5' is not allowed; use a whole number ≥ 0")]
    [InlineData("--max-failures many", "--max-failures: 'many' is not allowed; use a whole number ≥ 0")]
    [InlineData("--overlap sometimes", "--overlap: 'sometimes' is not allowed; use one of: skip, queue, allow, replace")]
    [InlineData("--misfire later", "--misfire: 'later' is not allowed; use one of: once, skip, all")]
    [InlineData("--permissions root", "--permissions: 'root' is not allowed; use one of: read_only, edit, full")]
    public async Task TaskCreate_NamesOptionAndWhatItAllows_WhenValueIsInvalid(string flag, string message)
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        var exitCode = await cli.RunAsync(["task", "create", "--prompt", "x", .. flag.Split(' ')]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"agentcron: {message}\nRun 'agentcron task create --help' for usage.\n", cli.Error.ToString());
    }

    [Theory]
    [InlineData("task list --limit 0", "--limit: '0' is not allowed; use a whole number ≥ 1")]
    [InlineData("task list --status done", "--status: 'done' is not allowed; use one of: active, paused, succeeded, failed, cancelled, skipped")]
    [InlineData("runs list --limit ten", "--limit: 'ten' is not allowed; use a whole number ≥ 1")]
    [InlineData("runs list --status ok", "--status: 'ok' is not allowed; use one of: queued, running, succeeded, failed, timed_out, cancelled, skipped")]
    [InlineData("preview --every 1h --count 0", "--count: '0' is not allowed; use a whole number from 1 to 1000")]
    [InlineData("preview --every 1h -n x", "--count: 'x' is not allowed; use a whole number from 1 to 1000")]
    public async Task Command_NamesOptionAndWhatItAllows_WhenValueIsInvalid(string args, string message)
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        Assert.Equal(2, await cli.RunAsync(args.Split(' ')));
        Assert.StartsWith($"agentcron: {message}\n", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskCreate_AcceptsOptionValuesInAnyCase_AsTheApiDoes()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(), 201));
        var cli = new CliRun(daemon.Url);

        Assert.Equal(0, await cli.RunAsync("task", "create", "--prompt", "x", "--overlap", "Queue", "--permissions", "read-only", "--retries", "0"));
    }

    [Theory]
    [InlineData("tsk list", "unknown command 'tsk'; did you mean 'task'?", "agentcron")]
    [InlineData("task lst", "unknown command 'lst'; did you mean 'list'?", "agentcron task")]
    [InlineData("frobnicate", "unknown command 'frobnicate'", "agentcron")]
    [InlineData("@daily", "unknown command '@daily'", "agentcron")]
    [InlineData("task list --jsn", "unknown option '--jsn'; did you mean '--json'?", "agentcron task list")]
    [InlineData("task list extra", "unexpected argument 'extra'", "agentcron task list")]
    [InlineData("task", "'agentcron task' needs a command: create, list, show, update, pause, resume, run, cancel, delete", "agentcron task")]
    public async Task Run_SaysTheRealProblemFirst_WhenCommandIsUnknownOrIncomplete(string args, string message, string help)
    {
        var cli = new CliRun($"http://127.0.0.1:{LoopbackPort.Free()}");

        Assert.Equal(2, await cli.RunAsync(args.Split(' ')));
        Assert.Equal($"agentcron: {message}\nRun '{help} --help' for usage.\n", cli.Error.ToString());
        Assert.Equal("", cli.Out.ToString());
    }
}
