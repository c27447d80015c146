using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentCron.Agents.OpenAi;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Agents.Tests.OpenAi;

/// <summary>The OpenAI-compatible endpoint runner (official OpenAI .NET library) against the fake model server's Chat Completions API.</summary>
public sealed class OpenAiRunnerTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly ListLog _log = new();

    // A variable of its own per test: the key is read from the process environment, which tests share.
    private readonly string _keyVariable = $"AGENTCRON_TEST_OPENAI_KEY_{Guid.NewGuid():N}";
    private FakeModelServer _model = null!;

    private string Sessions => Path.Combine(_home.Path, "sessions");

    public async Task InitializeAsync() => _model = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _model.DisposeAsync();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        _home.Dispose();
    }

    [Fact]
    public async Task RunAsync_ReturnsTheAnswerModelAndUsage_WhenTheModelAnswers()
    {
        _model.Reply(new FakeReply.Text("The deploy of api-7 is green."));

        var result = await Runner().RunAsync(Request("Check the deploy of api-7.", model: "gpt-test"), _log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("The deploy of api-7 is green.", result.Output);
        Assert.Equal("gpt-test", result.Model);
        Assert.Equal((17L, 5L), (result.Usage!.InputTokens, result.Usage.OutputTokens));
        Assert.True(OpenAiSessionStore.IsValidId(result.SessionId!), result.SessionId);
        var body = Assert.Single(_model.Requests).Body;
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("gpt-test", body.GetProperty("model").GetString());
        Assert.Equal([("user", "Check the deploy of api-7.")], Messages(body));
        Assert.Equal(["agent.session", "assistant.text", "agent.result"], _log.Entries.Select(e => e.Type));
        Assert.Equal(result.SessionId, _log.Entries[0].Data.GetProperty("sessionId").GetString());
        Assert.Equal(["The deploy of api-7 is green."], _log.Texts("assistant.text"));
        Assert.Equal("stop", _log.Entries[2].Data.GetProperty("finishReason").GetString());
    }

    [Fact]
    public async Task RunAsync_SendsTheEarlierMessages_WhenResumingItsSession()
    {
        _model.Reply(new FakeReply.Text("Noted: the canary is at 5%."), new FakeReply.Text("Still 5%."));
        var runner = Runner();
        var first = await runner.RunAsync(Request("Remember: the canary is at 5%."), _log, CancellationToken.None);

        var second = await runner.RunAsync(Request("What was the canary at?", first.SessionId), _log, CancellationToken.None);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal("Still 5%.", second.Output);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal(
            [("user", "Remember: the canary is at 5%."), ("assistant", "Noted: the canary is at 5%."), ("user", "What was the canary at?")],
            Messages(_model.Requests[^1].Body));
        Assert.True(_log.Entries.Last(e => e.Type == "agent.session").Data.GetProperty("resumed").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_ResumesFromTheSessionFile_WhenANewRunnerTakesOver()
    {
        _model.Reply(new FakeReply.Text("The password rotates on Fridays."), new FakeReply.Text("Friday."));
        var first = await Runner().RunAsync(Request("When does the password rotate?"), _log, CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(Sessions, first.SessionId + ".json")));

        // A daemon restart: a new runner over the same folder.
        var second = await Runner().RunAsync(Request("Which day again?", first.SessionId), _log, CancellationToken.None);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(
            [("user", "When does the password rotate?"), ("assistant", "The password rotates on Fridays."), ("user", "Which day again?")],
            Messages(_model.Requests[^1].Body));
        Assert.Empty(Directory.GetFiles(Sessions, "*.tmp"));
        var kept = await new OpenAiSessionStore(Sessions).LoadAsync(first.SessionId!, CancellationToken.None);
        Assert.Equal(4, kept!.Count);
        Assert.Equal(new OpenAiMessage("assistant", "Friday."), kept[^1]);
    }

    [Fact]
    public async Task RunAsync_StartsANewConversationWithAWarning_WhenTheSessionFileIsGone()
    {
        const string Gone = "oai_0123456789abcdef01234567";

        var result = await Runner().RunAsync(Request("hello", Gone), _log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.NotEqual(Gone, result.SessionId);
        Assert.Contains(Gone, Assert.Single(_log.Entries, e => e.Type == "agent.warning").Data.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal([("user", "hello")], Messages(Assert.Single(_model.Requests).Body));
    }

    [Fact]
    public async Task RunAsync_FailsNamingTheFile_WhenTheSessionFileIsCorrupt()
    {
        const string Broken = "oai_0123456789abcdef01234567";
        Directory.CreateDirectory(Sessions);
        await File.WriteAllTextAsync(Path.Combine(Sessions, Broken + ".json"), "{\"messages\": [");

        var result = await Runner().RunAsync(Request("hello", Broken), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains($"cannot resume session {Broken}", result.Error, StringComparison.Ordinal);
        Assert.Contains($"delete {Path.Combine(Sessions, Broken + ".json")}", result.Error, StringComparison.Ordinal);
        Assert.Empty(_model.Requests);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("oai_../../x")]
    [InlineData("0123456789abcdef01234567")]
    public async Task RunAsync_RejectsTheSessionId_WhenItIsNotOfTheRunnersForm(string session)
    {
        var result = await Runner().RunAsync(Request("hello", session), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("is not a session of the openai agent", result.Error, StringComparison.Ordinal);
        Assert.Empty(_model.Requests);
    }

    [Fact]
    public async Task RunAsync_FailsWithTheServersMessage_WhenTheApiRejectsTheKey()
    {
        _model.Reply(new FakeReply.Error(401, "Incorrect API key provided: sk-fake."));

        var result = await Runner().RunAsync(Request("anything"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal($"OpenAI endpoint {_model.BaseUrl}/v1 answered 401: Incorrect API key provided: sk-fake.", result.Error);
        Assert.Null(result.SessionId);
        Assert.Single(_model.Requests); // no retries of the library's own
        Assert.False(Directory.Exists(Sessions));
    }

    [Fact]
    public async Task RunAsync_ThrowsPromptly_WhenStoppedWhileTheApiHangs()
    {
        _model.Reply(new FakeReply.Hang());
        using var stop = new CancellationTokenSource();

        var running = Runner().RunAsync(Request("take your time"), _log, stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(_model.Requests.Count > 0), TimeSpan.FromSeconds(10), "the request to arrive");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task RunAsync_AbortsTheHttpRequest_WhenStopped()
    {
        await using var server = OneShotHttpServer.Hanging();
        using var stop = new CancellationTokenSource();

        var running = Runner(server.BaseUrl).RunAsync(Request("take your time"), _log, stop.Token);
        await server.Head.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(5)));
        await server.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RunAsync_FailsSayingItStalled_WhenNothingArrivesWithinTheRequestTimeout()
    {
        _model.Reply(new FakeReply.Hang());
        var clock = Stopwatch.StartNew();

        var result = await Runner(requestTimeout: TimeSpan.FromSeconds(1)).RunAsync(Request("anything"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("stalled: nothing arrived for 00:00:01", result.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task RunAsync_FailsNamingTheUrl_WhenTheEndpointIsUnreachable()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var result = await Runner($"http://127.0.0.1:{port}/v1").RunAsync(Request("anything"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.StartsWith($"could not reach OpenAI endpoint http://127.0.0.1:{port}/v1: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("refused", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RunAsync_FailsNamingAgentModel_WhenNeitherTheTaskNorTheSettingsNameAModel()
    {
        var result = await Runner(defaultModel: null).RunAsync(Request("anything"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.StartsWith("agent.model is required for the openai agent", result.Error, StringComparison.Ordinal);
        Assert.Empty(_model.Requests);
    }

    [Fact]
    public async Task RunAsync_FailsBeforeCallingOpenAi_WhenItsKeyIsNotSet()
    {
        var result = await Runner("https://api.openai.com/v1").RunAsync(Request("anything"), _log, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal($"the API key variable {_keyVariable} is not set in the daemon's environment; https://api.openai.com/v1 needs a key", result.Error);
    }

    [Fact]
    public async Task RunAsync_SendsTheKeyAsABearerToken_WhenItsVariableIsSet()
    {
        Environment.SetEnvironmentVariable(_keyVariable, "sk-test-4242");
        await using var server = OneShotHttpServer.Answering();

        var result = await Runner(server.BaseUrl).RunAsync(Request("hi"), _log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("ok", result.Output);
        var head = await server.Head;
        Assert.StartsWith("POST /v1/chat/completions HTTP/1.1", head, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer sk-test-4242\r\n", head, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RunAsync_SendsAPlaceholderKey_WhenALocalServerNeedsNone()
    {
        await using var server = OneShotHttpServer.Answering();

        var result = await Runner(server.BaseUrl).RunAsync(Request("hi"), _log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Contains($"Authorization: Bearer {OpenAiRunner.PlaceholderKey}\r\n", await server.Head, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DescribeAsync_IsAvailableWithoutAKey_WhenTheEndpointIsALocalServer()
    {
        var info = await Runner().DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Equal($"{_model.BaseUrl}/v1", info.Path);
        Assert.Null(info.Version);
        Assert.Equal($"chat completions at {_model.BaseUrl}/v1, default model fake-default, {_keyVariable} is not set, a placeholder key is sent", info.Note);
    }

    [Fact]
    public async Task DescribeAsync_SaysTheKeyIsSetButNeverShowsIt_WhenOpenAiHasItsKey()
    {
        Environment.SetEnvironmentVariable(_keyVariable, "sk-secret-7");

        var info = await Runner("https://api.openai.com/v1").DescribeAsync(CancellationToken.None);

        Assert.True(info.Available, info.Note);
        Assert.Contains($"key from {_keyVariable}", info.Note, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret-7", info.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_IsUnavailable_WhenOpenAiHasNoKey()
    {
        var info = await Runner("https://api.openai.com/v1").DescribeAsync(CancellationToken.None);

        Assert.False(info.Available);
        Assert.Contains($"{_keyVariable} is not set", info.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AgentPermissions.Edit)]
    [InlineData(AgentPermissions.Full)]
    public void Validate_RejectsPermissions_WhichNeedToolsTheRunnerHasNot(AgentPermissions permissions)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Runner().Validate(new AgentSelection { Provider = "openai", Permissions = permissions }));

        Assert.Equal("agent.permissions", error.Field);
    }

    [Fact]
    public void Validate_RejectsACommand_WhichOnlyTheCommandAgentTakes()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Runner().Validate(new AgentSelection { Provider = "openai", Command = "echo" }));

        Assert.Equal("agent.command", error.Field);
    }

    [Fact]
    public void Validate_RejectsATask_WhenNoModelIsNamedAnywhere()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Runner(defaultModel: null).Validate(new AgentSelection { Provider = "openai" }));

        Assert.Equal("agent.model", error.Field);
    }

    [Fact]
    public void Validate_AcceptsAReadOnlyTask_WhenAModelIsNamed()
    {
        Runner(defaultModel: null).Validate(new AgentSelection { Provider = "openai", Model = "llama3.2", Permissions = AgentPermissions.ReadOnly });
        Runner().Validate(new AgentSelection { Provider = "openai" });
    }

    [Fact]
    public void Constructor_RejectsTheBaseUrl_WhenItIsNotHttp()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Runner("localhost:11434"));

        Assert.Equal("Agents:OpenAi:BaseUrl", error.Field);
    }

    private OpenAiRunner Runner(string? baseUrl = null, string? defaultModel = "fake-default", TimeSpan? requestTimeout = null) => new(new OpenAiOptions
    {
        BaseUrl = baseUrl ?? $"{_model.BaseUrl}/v1",
        ApiKeyVariable = _keyVariable,
        Model = defaultModel,
        RequestTimeout = requestTimeout,
        SessionsDirectory = Sessions,
    });

    private RunRequest Request(string prompt, string? resume = null, string? model = null)
    {
        var task = new AgentTask { Id = "t_openai", Slug = "openai", Name = "openai", Instructions = prompt, Agent = new AgentSelection { Provider = "openai", Model = model } };
        var run = new TaskRun { Id = "r_openai", TaskId = task.Id, Occurrence = "manual:r_openai", Status = RunStatus.Running };
        return new RunRequest(run, task, _home.Path, TestSandbox.None, new Dictionary<string, string>(), _ => { }, resume);
    }

    private static List<(string Role, string Content)> Messages(JsonElement body) =>
        [.. body.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString()!, Content(m.GetProperty("content"))))];

    /// <summary>A message's content: a string, or the library's array of text parts.</summary>
    private static string Content(JsonElement content) =>
        content.ValueKind == JsonValueKind.String ? content.GetString()! : string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
}
