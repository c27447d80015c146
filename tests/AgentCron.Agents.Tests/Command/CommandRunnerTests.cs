using System.Text.Json;
using AgentCron.Agents.Command;
using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Agents.Processes;
using AgentCron.Core.Processes;
using AgentCron.Core.Tasks;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Command;

/// <summary>The command runner with real processes (Linux: setsid, process groups, /proc).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CommandRunnerTests : IDisposable
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();
    private readonly CommandRunner _runner = new();
    private readonly ListLog _log = new();

    [Fact]
    public async Task RunAsync_LogsStdoutLinesInOrderAndReturnsThem_WhenCommandSucceeds()
    {
        var result = await RunAsync("sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo to-stderr >&2'");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Null(result.Error);
        Assert.Equal("line1\nline2\nline3\nline4\nline5", result.Output);
        Assert.Equal(["line1", "line2", "line3", "line4", "line5"], _log.Texts("stdout"));
        Assert.Equal(["to-stderr"], _log.Texts("stderr"));
        Assert.Equal("process.started", _log.Entries[0].Type);
    }

    [Fact]
    public async Task RunAsync_PassesPromptOnStdin()
    {
        const string prompt = "first line\nsecond line with 'quotes' and $dollar\nünïcödé";

        var result = await RunAsync("cat", prompt: prompt);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(prompt, result.Output);
    }

    [Fact]
    public async Task RunAsync_PassesArgvWithoutShell()
    {
        var result = await RunAsync("printf '%s|' 'a b' $HOME '*' ';' 'echo injected'");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("a b|$HOME|*|;|echo injected|", result.Output);
    }

    [Fact]
    public async Task RunAsync_SetsAgentCronVariables()
    {
        var result = await RunAsync("sh -c 'echo \"$AGENTCRON_TASK_ID|$AGENTCRON_RUN_ID|$AGENTCRON_ATTEMPT|$AGENTCRON_THREAD|$AGENTCRON_URL|$AGENTCRON_PROMPT\"'", prompt: "the prompt");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("t_test|r_test|1|slack:C1:42|http://127.0.0.1:7433|the prompt", result.Output);
    }

    [Fact]
    public async Task RunAsync_StartsInWorkingDirectory()
    {
        var result = await RunAsync("pwd");

        Assert.Equal(_dir.Path, result.Output);
    }

    [Fact]
    public async Task RunAsync_DoesNotPassDaemonToken_WhenDaemonEnvironmentHasOne()
    {
        // The variable is only read by the runner under test in this assembly, so setting it process-wide is safe.
        Environment.SetEnvironmentVariable("AGENTCRON_TOKEN", "act_secret_of_the_daemon");
        try
        {
            var result = await RunAsync("sh -c 'echo \"token=${AGENTCRON_TOKEN-unset}\"; env'");

            Assert.True(result.Succeeded, result.Error);
            Assert.StartsWith("token=unset\n", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("act_secret_of_the_daemon", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AGENTCRON_TOKEN", null);
        }
    }

    /// <summary>Regression: .NET reads <c>agentcron__Db</c> as the setting Db, but only <c>AGENTCRON__</c> in capitals was kept from agents.</summary>
    [Fact]
    public async Task RunAsync_DoesNotPassDaemonSettingsOrToken_WhenTheirNamesAreInOtherLetterCases()
    {
        string[] names = ["agentcron__Db", "AgentCron__Agents__X", "agentcron_token", "AgentCron_Token"];
        foreach (var name in names)
        {
            Environment.SetEnvironmentVariable(name, $"secret-of-{name}");
        }

        try
        {
            var result = await RunAsync("env");

            Assert.True(result.Succeeded, result.Error);
            Assert.All(names, name => Assert.DoesNotContain($"secret-of-{name}", result.Output, StringComparison.Ordinal));
            Assert.Contains("AGENTCRON_TASK_ID=t_test", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public async Task RunAsync_FailsWithExitCodeAndStderrTail_WhenCommandExitsNonZero()
    {
        var result = await RunAsync("sh -c 'echo partial; for i in $(seq 1 30); do echo err$i >&2; done; exit 3'");

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("partial", result.Output);
        Assert.StartsWith("exited with code 3: ", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("err29\nerr30", result.Error, StringComparison.Ordinal);
        Assert.Contains("err11\n", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("err10\n", result.Error, StringComparison.Ordinal); // only the last 20 lines
    }

    /// <summary>Regression: the error named the daemon's whole PATH.</summary>
    [Fact]
    public async Task RunAsync_SaysWhichCommandWasNotFoundButNotThePath_WhenProgramIsMissing()
    {
        var result = await RunAsync("no-such-program-agentcron --flag");

        Assert.False(result.Succeeded);
        Assert.Null(result.ExitCode);
        Assert.Equal("command not found: 'no-such-program-agentcron' is not an executable file and is not on the daemon's PATH", result.Error);
        Assert.DoesNotContain(Environment.GetEnvironmentVariable("PATH")!.Split(':')[0], result.Error, StringComparison.Ordinal);
        Assert.Empty(_log.Entries);
    }

    [Fact]
    public async Task RunAsync_FailsWithCommandNotFound_WhenRelativePathIsNotExecutable()
    {
        await File.WriteAllTextAsync(_dir.File("script.sh"), "#!/bin/sh\necho hi\n");

        var result = await RunAsync("./script.sh");

        Assert.False(result.Succeeded);
        Assert.StartsWith("command not found: './script.sh'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunsRelativeProgram_FromWorkingDirectory()
    {
        _dir.Script("script.sh", "#!/bin/sh\necho \"hi $1\"\n");

        var result = await RunAsync("./script.sh there");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("hi there", result.Output);
    }

    [Fact]
    public async Task RunAsync_FailsNamingDirectory_WhenTheDirectoryTheTaskNamesIsMissing()
    {
        var missing = _dir.File("does-not-exist");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync("echo hi", workingDirectory: missing, cwd: missing));

        Assert.Equal($"the working directory '{missing}' does not exist", error.Message);
        Assert.False(Directory.Exists(missing));
        Assert.Empty(_log.Entries);
    }

    [Fact]
    public async Task RunAsync_MakesTheTasksOwnFolderForTheDaemonsUserOnly_WhenItIsMissing()
    {
        var folder = _dir.File("work/test");

        var result = await RunAsync("pwd", workingDirectory: folder);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(folder, result.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [Fact]
    public async Task RunAsync_Succeeds_WhenProgramIgnoresLongPrompt()
    {
        var result = await RunAsync("true", prompt: new string('x', TaskValidation.MaxInstructionsLength));

        Assert.True(result.Succeeded, result.Error);
    }

    /// <summary>Regression: a prompt over 128 KiB in AGENTCRON_PROMPT made Linux refuse to start the program (E2BIG).</summary>
    [Fact]
    public async Task RunAsync_PassesLongPromptOnStdinOnly_WhenTooLongForEnvironment()
    {
        var prompt = new string('x', TaskValidation.MaxInstructionsLength);

        var result = await RunAsync("sh -c 'wc -c; echo \"${AGENTCRON_PROMPT-unset}\"'", prompt: prompt);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal($"{prompt.Length}\nunset", result.Output);
        Assert.Contains(_log.Entries, e => e.Type == "warning" && e.Data.GetProperty("text").GetString()!.Contains("AGENTCRON_PROMPT", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RejectsAPermissionPosture_WhichOnlyAgentClisHave()
    {
        var error = Assert.Throws<InvalidFieldException>(() => _runner.Validate(new AgentSelection { Command = "echo", Permissions = AgentPermissions.Full }));

        Assert.Equal("agent.permissions", error.Field);
    }

    [Fact]
    public void Validate_ThrowsOnAgentCommand_WhenCommandIsMissingOrUnbalanced()
    {
        Assert.Equal("agent.command", Assert.Throws<InvalidFieldException>(() => _runner.Validate(new AgentSelection())).Field);
        Assert.Equal("agent.command", Assert.Throws<InvalidFieldException>(() => _runner.Validate(new AgentSelection { Command = "echo 'x" })).Field);
        _runner.Validate(new AgentSelection { Command = "echo 'x'" });
    }

    [Fact]
    public async Task RunAsync_KillsWholeProcessGroupAndEndsPromptly_WhenCancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _log.OnStdout = text =>
        {
            if (text == "started")
            {
                started.TrySetResult();
            }
        };
        var pid = 0;
        using var cancel = new CancellationTokenSource();

        var running = RunAsync("sh -c 'sleep 300 & echo $!; sleep 300 & echo $!; echo started; wait'", cancellationToken: cancel.Token, processStarted: p => pid = p.Pid);
        await started.Task.WaitAsync(Promptly);
        var children = _log.Texts("stdout").Take(2).Select(int.Parse).ToList();
        Assert.Equal(pid, ProcessGroup.GroupOf(pid));
        // The children print their pids in the sandbox's PID namespace; outside, the group's members name them in NSpid.
        var group = LiveProcesses.InGroup(pid).Select(LiveProcesses.NamespacePid).ToList();
        Assert.All(children, child => Assert.Contains(child, group));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Promptly));
        await AssertGroupDiesAsync(pid);
    }

    [Fact]
    public async Task RunAsync_KillsBackgroundChild_WhenProgramExitsNormally()
    {
        var pid = 0;
        var sleep = Marker();

        var result = await RunAsync($"sh -c 'sleep {sleep} & echo done'", processStarted: p => pid = p.Pid).WaitAsync(Promptly);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("done", result.Output);
        await AssertGroupDiesAsync(pid);
        Assert.Empty(LiveProcesses.WithArgv("sleep", sleep));
    }

    /// <summary>
    /// A process that leaves the run's group (setsid) is out of reach of the group kill; it dies with the sandbox's PID
    /// namespace, whose init stays in the group — on a stop (timeout, cancel, shutdown) as when the program exits.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_KillsAProcessThatLeftTheGroup_WhenStoppedOrWhenTheProgramExits(bool stop)
    {
        var pid = 0;
        var sleep = Marker();
        using var cancel = new CancellationTokenSource();
        _log.OnStdout = text =>
        {
            if (text == "escaped" && stop)
            {
                cancel.Cancel();
            }
        };

        // The escapee notes that it runs before the program goes on, so it exists when the program exits or is stopped.
        var running = RunAsync(
            $"sh -c 'setsid sh -c \"touch escaped; exec sleep {sleep}\" & while [ ! -e escaped ]; do sleep 0.01; done; echo escaped; {(stop ? "wait" : "true")}'",
            cancellationToken: cancel.Token,
            processStarted: p => pid = p.Pid);
        if (stop)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Promptly));
        }
        else
        {
            Assert.True((await running.WaitAsync(Promptly)).Succeeded);
        }

        await AssertGroupDiesAsync(pid);
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.WithArgv("sleep", sleep).Any()), Promptly, "the process that left the group to die");
    }

    [Fact]
    public async Task RunAsync_ReportsThePidOfTheSandbox_WhichLeadsTheRunsGroup()
    {
        var pid = 0;
        using var cancel = new CancellationTokenSource();
        var running = RunAsync("sh -c 'echo $$; sleep 300'", cancellationToken: cancel.Token, processStarted: p => pid = p.Pid);
        var program = await Eventually.GetAsync(() => Task.FromResult(_log.Texts("stdout").FirstOrDefault()), Promptly, "the program's pid");

        Assert.Equal(pid, _log.Entries[0].Data.GetProperty("pid").GetInt32());
        Assert.True(_log.Entries[0].Data.GetProperty("sandboxed").GetBoolean());
        Assert.Equal("bwrap", Path.GetFileName(File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0]));
        Assert.Equal(pid, ProcessGroup.GroupOf(pid));
        Assert.Contains(int.Parse(program, System.Globalization.CultureInfo.InvariantCulture), LiveProcesses.InGroup(pid).Select(LiveProcesses.NamespacePid));

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Promptly));
    }

    [Fact]
    public async Task RunAsync_ReportsPidOfProgramItself_WhenUnsandboxed()
    {
        var pid = 0;

        var result = await RunAsync("sh -c 'echo $$'", processStarted: p => pid = p.Pid, sandbox: TestSandbox.None);

        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Output);
        Assert.Equal(pid, _log.Entries[0].Data.GetProperty("pid").GetInt32());
        Assert.False(_log.Entries[0].Data.GetProperty("sandboxed").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_CannotSeeHiddenDirectoryNorWriteThere_WhenSandboxed()
    {
        using var secrets = new TempDirectory();
        await File.WriteAllTextAsync(secrets.File("token"), "the-secret");

        var result = await RunAsync($"sh -c 'cat {secrets.File("token")}; ls -A {secrets.Path}; touch {secrets.File("new")}; echo ran'", sandbox: TestSandbox.Bubblewrap(secrets.Path));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("ran", result.Output);
        Assert.Contains(_log.Texts("stderr"), line => line.Contains("No such file or directory", StringComparison.Ordinal));
        Assert.Contains(_log.Texts("stderr"), line => line.Contains("Read-only file system", StringComparison.Ordinal));
        Assert.False(File.Exists(secrets.File("new")));
    }

    [Fact]
    public async Task RunAsync_FailsWithoutStarting_WhenWorkingDirectoryIsHidden()
    {
        using var home = new TempDirectory();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync("true", workingDirectory: home.Path, sandbox: TestSandbox.Bubblewrap(home.Path)));

        Assert.Contains("inside the daemon's data directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(_log.Entries);
    }

    [Fact]
    public async Task RunAsync_FailsWithoutStartingSayingWhy_WhenTheSandboxIsUnavailable()
    {
        var sandbox = RunSandbox.Without("bubblewrap is not installed: 'bwrap' is not an executable file or on PATH; install it with 'sudo apt-get install bubblewrap'", allowUnsandboxed: false, [], []);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync("true", sandbox: sandbox));

        Assert.Equal(
            "cannot start the agent without a sandbox: bubblewrap is not installed: 'bwrap' is not an executable file or on PATH; install it with 'sudo apt-get install bubblewrap' (Sandbox:AllowUnsandboxed: true would run agents unsandboxed)",
            error.Message);
        Assert.Empty(_log.Entries);
    }

    /// <summary>
    /// The group was sent SIGKILL before RunAsync returned; a killed process still takes a moment to exit, and init reaps
    /// the zombies of orphans later. Both must happen well within the deadline (the commands would sleep 300 s).
    /// </summary>
    private static async Task AssertGroupDiesAsync(int pid)
    {
        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), Promptly, $"every process of group {pid} to die");
        await Eventually.TrueAsync(() => Task.FromResult(!ProcessGroup.IsAlive(pid)), Promptly, $"process group {pid} to be gone (zombies reaped)");
    }

    [Fact]
    public async Task RunAsync_KillsTheProgram_WhenStoppedBeforeItLeadsItsOwnGroup()
    {
        // Regression: kill(-pid) right after start found no group yet (setsid had not run), so the program lived on.
        for (var i = 0; i < 10; i++)
        {
            using var stop = new CancellationTokenSource();
            await stop.CancelAsync();
            var pid = 0;

            var running = RunAsync("sleep 30", processStarted: p => pid = p.Pid, cancellationToken: stop.Token);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(LiveProcesses.IsAlive(pid), $"run {i}: pid {pid} survived");
        }
    }

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>An argument of <c>sleep</c> no other process has, to find one process among all.</summary>
    private static string Marker() => $"300.{Random.Shared.Next(100_000, 999_999)}";

    /// <summary>Runs <paramref name="command"/> in <paramref name="workingDirectory"/> (else the test's folder); <paramref name="cwd"/> is the task's <c>agent.cwd</c>.</summary>
    private Task<RunnerResult> RunAsync(string command, string prompt = "the prompt", string? workingDirectory = null, Action<StartedProcess>? processStarted = null, RunSandbox? sandbox = null, string? cwd = null, CancellationToken cancellationToken = default)
    {
        var time = new FakeTimeProvider();
        var task = new AgentTask
        {
            Id = "t_test",
            Slug = "test",
            Name = "test",
            Instructions = prompt,
            Agent = new AgentSelection { Command = command, Cwd = cwd },
            Thread = new ThreadAnchor("slack", "C1", "42"),
        };
        var run = new TaskRun { Id = "r_test", TaskId = task.Id, Occurrence = "manual:r_test", ScheduledFor = time.GetUtcNow(), Status = RunStatus.Running };
        var environment = new RunEnvironment("http://127.0.0.1:7433", _dir.Path, TestSandbox.None).For(run, task);
        var request = new RunRequest(run, task, workingDirectory ?? _dir.Path, sandbox ?? TestSandbox.Bubblewrap(), environment, processStarted ?? (_ => { }));
        return _runner.RunAsync(request, _log, cancellationToken);
    }
}
