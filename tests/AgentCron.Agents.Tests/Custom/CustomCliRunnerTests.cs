using System.Text.Json;
using AgentCron.Agents.Claude;
using AgentCron.Agents.Command;
using AgentCron.Agents.Custom;
using AgentCron.Agents.Qwen;
using AgentCron.Agents.Tests.Qwen;
using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Agents.Tests.Custom;

/// <summary>
/// Configured CLI providers: the goose and kimi presets against small scripts that print those CLIs' researched records
/// and record the argv, stdin and environment they got; text output; stop; bad configuration; and a provider configured
/// (not coded) to drive the real qwen against the fake model server.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CustomCliRunnerTests : IDisposable
{
    private static readonly IAgentRunner[] BuiltIn = [new CommandRunner(), new ClaudeRunner(new ClaudeOptions()), new QwenRunner(new())];

    private readonly TempDirectory _dir = new();
    private readonly ListLog _log = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_DrivesGooseAsResearched_WhenConfiguredWithItsPreset()
    {
        var goose = Runner("goose", new CustomCliOptions { Preset = "goose", Executable = Script("goose", """
            echo '{"type":"message","message":{"id":"u1","role":"user","created":1,"content":[{"type":"text","text":"(the prompt)"}]}}'
            echo '{"type":"message","message":{"id":"a1","role":"assistant","created":1,"content":[{"type":"text","text":"Checking."}]}}'
            echo '{"type":"message","message":{"id":"a2","role":"assistant","created":1,"content":[{"type":"toolRequest","id":"t1","toolCall":{"status":"success","value":{"name":"developer__shell","arguments":{"command":"ls"}}}}]}}'
            echo '{"type":"message","message":{"id":"u2","role":"user","created":1,"content":[{"type":"toolResponse","id":"t1","toolResult":{"status":"success","value":[{"type":"text","text":"a.txt"}]}}]}}'
            echo '{"type":"message","message":{"id":"a3","role":"assistant","created":1,"content":[{"type":"text","text":"The deploy "}]}}'
            echo '{"type":"message","message":{"id":"a3","role":"assistant","created":1,"content":[{"type":"text","text":"is green."}]}}'
            echo '{"type":"complete","total_tokens":120,"input_tokens":100,"output_tokens":20}'
            """) });

        var first = await goose.RunAsync(Request("Check the deploy.", model: "gpt-4o"), _log, CancellationToken.None);
        var second = await goose.RunAsync(Request("And now?", resume: first.SessionId), _log, CancellationToken.None);

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal("The deploy is green.", first.Output);
        Assert.True(Guid.TryParse(first.SessionId, out _), first.SessionId);
        Assert.Equal((100L, 20L), (first.Usage!.InputTokens, first.Usage.OutputTokens));
        Assert.Equal(["run", "--quiet", "--output-format", "stream-json", "--name", first.SessionId!, "--model", "gpt-4o", "-i", "-"], Invocations()[0].Argv);
        Assert.Equal(["run", "--quiet", "--output-format", "stream-json", "--name", first.SessionId!, "--resume", "-i", "-"], Invocations()[1].Argv);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal(["Check the deploy.", "And now?"], Invocations().Select(i => i.Stdin));
        Assert.Equal("chat", Invocations()[0].Mode);
        Assert.Contains(_log.Entries, e => e.Type == "agent.event" && e.Data.GetProperty("record").GetProperty("message").GetProperty("id").GetString() == "a2");
    }

    [Fact]
    public async Task RunAsync_FailsWithGoosesMessage_WhenItReportsAnError()
    {
        var goose = Runner("goose", new CustomCliOptions { Preset = "goose", Executable = Script("goose", """
            echo '{"type":"error","error":"Request failed: 401 Unauthorized"}'
            echo '{"type":"complete","total_tokens":0}'
            """) });

        var result = await goose.RunAsync(Request("x", permissions: AgentPermissions.Full), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("goose failed: Request failed: 401 Unauthorized", result.Error);
        Assert.Equal("auto", Invocations()[0].Mode);
    }

    [Fact]
    public async Task RunAsync_DrivesKimiAsResearched_WhenConfiguredWithItsPreset()
    {
        var kimi = Runner("kimi", new CustomCliOptions { Preset = "kimi", Executable = Script("kimi", """
            echo '{"role":"assistant","content":[{"type":"text","text":"Let me look."}],"tool_calls":[{"type":"function","id":"tc_1","function":{"name":"Shell","arguments":"{\"command\":\"ls\"}"}}]}'
            echo '{"role":"tool","tool_call_id":"tc_1","content":[{"type":"text","text":"a.txt"}]}'
            echo '{"role":"assistant","content":[{"type":"think","think":"one file"},{"type":"text","text":"There is one file."}]}'
            """) });

        var first = await kimi.RunAsync(Request("List the files.", permissions: AgentPermissions.Full), _log, CancellationToken.None);
        var second = await kimi.RunAsync(Request("Again.", resume: first.SessionId, permissions: AgentPermissions.Full), _log, CancellationToken.None);

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal("There is one file.", first.Output);
        Assert.Equal(["--print", "--output-format", "stream-json", "--session", first.SessionId!], Invocations()[0].Argv);
        Assert.Equal(["--print", "--output-format", "stream-json", "--session", first.SessionId!], Invocations()[1].Argv);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal("List the files.", Invocations()[0].Stdin);
        Assert.Equal(["Let me look.", "There is one file.", "Let me look.", "There is one file."], _log.Texts("assistant.text"));
    }

    [Fact]
    public void Validate_RefusesAPostureTheCliCannotHonour_WhenKimiApprovesEverything()
    {
        var kimi = Runner("kimi", new CustomCliOptions { Preset = "kimi" });

        var error = Assert.Throws<InvalidFieldException>(() => kimi.Validate(new AgentSelection { Provider = "kimi" }));

        Assert.Equal("agent.permissions", error.Field);
        Assert.Contains("cannot run read_only", error.Message, StringComparison.Ordinal);
        kimi.Validate(new AgentSelection { Provider = "kimi", Permissions = AgentPermissions.Full });
    }

    [Fact]
    public void Validate_RequiresAModel_WhenTheArgvPassesOneOutsideAnOptionalGroup()
    {
        var crush = Runner("crush", new CustomCliOptions { Executable = "crush", Args = ["run", "--model", "{model}", "{prompt}"], Input = "none", Output = "text", Postures = new() { ["read_only"] = new() } });

        var error = Assert.Throws<InvalidFieldException>(() => crush.Validate(new AgentSelection { Provider = "crush" }));

        Assert.Equal("agent.model", error.Field);
        crush.Validate(new AgentSelection { Provider = "crush", Model = "m1" });
    }

    [Fact]
    public async Task RunAsync_AnswersWithStdout_WhenTheOutputIsText()
    {
        var crush = Runner("crush", new CustomCliOptions
        {
            Executable = Script("crush", """echo "line one"; echo "line two" """),
            Args = ["run", "[--model {model}]", "--", "{prompt}"],
            Input = "none",
            Output = "text",
            Postures = new() { ["read_only"] = new() { Args = ["--read-only"] } },
        });

        var result = await crush.RunAsync(Request("say two lines"), _log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("line one\nline two", result.Output);
        Assert.Null(result.SessionId);
        Assert.Equal(["run", "--", "say two lines", "--read-only"], Invocations()[0].Argv);
        Assert.Equal("", Invocations()[0].Stdin);
    }

    [Fact]
    public async Task RunAsync_FailsWithTheStderrTail_WhenATextCliExitsNonZero()
    {
        var crush = Runner("crush", new CustomCliOptions { Executable = Script("crush", """echo "partial answer"; echo "no API key configured" >&2; exit 3"""), Args = ["run"], Output = "text", Postures = new() { ["read_only"] = new() } });

        var result = await crush.RunAsync(Request("x"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("crush failed: exited with code 3: no API key configured", result.Error);
    }

    [Fact]
    public async Task RunAsync_KillsTheCliAndEverythingItStarted_WhenStopped()
    {
        var slow = Runner("slow", new CustomCliOptions { Executable = Script("slow", """sleep 300 & echo started; wait"""), Args = ["go"], Output = "text", Postures = new() { ["read_only"] = new() } });
        using var stop = new CancellationTokenSource();
        var pid = 0;
        _log.OnStdout = _ => stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.RunAsync(Request("x", processStarted: p => pid = p.Pid), _log, stop.Token).WaitAsync(TimeSpan.FromSeconds(15)));

        await Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), TimeSpan.FromSeconds(10), "the CLI's process group to be gone");
    }

    [Theory]
    [InlineData("claude", "{}", "Agents:Custom:claude", "built-in provider")]
    [InlineData("x", """{"Preset":"aider"}""", "Agents:Custom:x:Preset", "goose, kimi")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"xml"}""", "Agents:Custom:x:Output", "text, jsonl, claude-stream-json")]
    [InlineData("x", """{"Executable":"x","Output":"text"}""", "Agents:Custom:x:Args", "is required")]
    [InlineData("x", """{"Args":["run"],"Output":"text"}""", "Agents:Custom:x:Executable", "is required")]
    [InlineData("x", """{"Executable":"x","Args":["run","{promt}"],"Output":"text"}""", "Agents:Custom:x:Args:1", "unknown placeholder {promt}")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Input":"none","Output":"text"}""", "Agents:Custom:x:Args", "{prompt}")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"text","SessionId":"generate","ResumeArgs":["run","{session}"]}""", "Agents:Custom:x:Args", "must pass {session}")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"jsonl","SessionId":"output","ResumeArgs":["run","--resume"],"Jsonl":{"Text":{"Path":"text"}}}""", "Agents:Custom:x:ResumeArgs", "{session}")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"jsonl"}""", "Agents:Custom:x:Jsonl:Text:Path", "is required")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"jsonl","Jsonl":{"Text":{"Path":"content[type].text"}}}""", "Agents:Custom:x:Jsonl:Text:Path", "[key=value]")]
    [InlineData("x", """{"Executable":"x","Args":["run"],"Output":"text","Postures":{"sudo":{}}}""", "Agents:Custom:x:Postures:sudo", "read_only, edit, full")]
    public void CreateAll_RejectsTheConfigurationNamingTheKey_WhenItIsWrong(string id, string json, string field, string reason)
    {
        var options = JsonSerializer.Deserialize<CustomCliOptions>(json)!;

        var error = Assert.Throws<InvalidFieldException>(() => CustomCliRunner.CreateAll(new Dictionary<string, CustomCliOptions> { [id] = options }, BuiltIn));

        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DrivesTheRealQwen_WhenAProviderIsConfiguredForIt()
    {
        await using var model = await FakeModelServer.StartAsync();
        model.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("Still 5%."));
        QwenHome.Prepare(_dir.Path);
        // What an operator would write in config.yaml, as JSON: no code for this CLI.
        var options = JsonSerializer.Deserialize<CustomCliOptions>($$"""
            {
              "Executable": "{{TestTools.NpmBin("qwen")}}",
              "Args": ["--output-format", "stream-json", "[-m {model}]"],
              "ResumeArgs": ["--output-format", "stream-json", "[-m {model}]", "--resume", "{session}"],
              "Output": "claude-stream-json",
              "SessionId": "output",
              "Postures": { "read_only": { "Args": ["--approval-mode", "default"] }, "full": { "Args": ["--approval-mode", "yolo"] } },
              "Environment": {{JsonSerializer.Serialize(QwenHome.Environment(_dir.Path, model))}}
            }
            """)!;
        var runner = Runner("my-qwen", options);

        var first = await runner.RunAsync(Request("Remember: the canary is at 5%."), _log, CancellationToken.None);
        var second = await runner.RunAsync(Request("What was the canary at?", resume: first.SessionId), _log, CancellationToken.None);

        Assert.True(first.Succeeded, first.Error);
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal("Still 5%.", second.Output);
        Assert.Equal(first.SessionId, second.SessionId);
        var resumed = JsonSerializer.Serialize(model.Requests[^1].Body.GetProperty("messages"));
        Assert.Contains("Remember: the canary is at 5%.", resumed, StringComparison.Ordinal);
        Assert.Contains("Noted: the canary is at 5%.", resumed, StringComparison.Ordinal);
    }

    private static IAgentRunner Runner(string id, CustomCliOptions options) =>
        Assert.Single(CustomCliRunner.CreateAll(new Dictionary<string, CustomCliOptions> { [id] = options }, BuiltIn));

    /// <summary>A fake CLI: records its argv (one line per call, fields split by \x1f), stdin and GOOSE_MODE, then runs <paramref name="body"/>.</summary>
    private string Script(string name, string body)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, $$"""
            #!/bin/bash
            n=$(cat "{{_dir.Path}}/argv" 2>/dev/null | wc -l)
            printf '%s\x1f' "$@" >> "{{_dir.Path}}/argv"; echo >> "{{_dir.Path}}/argv"
            cat > "{{_dir.Path}}/stdin.$n"
            echo "${GOOSE_MODE:-}" > "{{_dir.Path}}/mode.$n"
            {{body}}

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private List<(string[] Argv, string Stdin, string Mode)> Invocations() =>
        [.. File.ReadAllLines(Path.Combine(_dir.Path, "argv")).Select((line, n) => (
            line.Split('\x1f')[..^1],
            File.ReadAllText(Path.Combine(_dir.Path, $"stdin.{n}")),
            File.ReadAllText(Path.Combine(_dir.Path, $"mode.{n}")).Trim()))];

    private RunRequest Request(string prompt, string? resume = null, string? model = null, AgentPermissions? permissions = null, Action<StartedProcess>? processStarted = null)
    {
        var task = new AgentTask { Id = "t_custom", Slug = "custom", Name = "custom", Instructions = prompt, Agent = new AgentSelection { Provider = "custom", Model = model, Permissions = permissions } };
        var run = new TaskRun { Id = "r_custom", TaskId = task.Id, Occurrence = "manual:r_custom", Status = RunStatus.Running };
        var environment = new Dictionary<string, string>(new RunEnvironment("http://127.0.0.1:7433", _dir.Path, TestSandbox.None).For(run, task)) { ["HOME"] = _dir.Path };
        return new RunRequest(run, task, _dir.Path, TestSandbox.Bubblewrap(), environment, processStarted ?? (_ => { }), resume);
    }
}
