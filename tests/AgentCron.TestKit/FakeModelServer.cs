using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentCron.TestKit;

/// <summary>A scripted model reply.</summary>
public abstract record FakeReply
{
    /// <summary>The assistant answers with text and ends its turn.</summary>
    public sealed record Text(string Content) : FakeReply;

    /// <summary>The assistant calls a tool (e.g. <c>Bash</c> with <c>{"command": "…"}</c>) and waits for its result.</summary>
    public sealed record ToolUse(string Name, object Input) : FakeReply;

    /// <summary>The API fails with this HTTP status and message.</summary>
    public sealed record Error(int Status, string Message) : FakeReply;

    /// <summary>The API never answers (until the client goes away).</summary>
    public sealed record Hang : FakeReply;
}

/// <summary>A request the server received.</summary>
public sealed record RecordedRequest(string Path, JsonElement Body);

/// <summary>
/// A local model server for the real agent CLIs. It speaks enough of each API for the CLIs to complete turns, including
/// tool calls, streaming and not: the Anthropic Messages API (<c>FakeModelServer.Anthropic.cs</c>), the OpenAI Chat
/// Completions API (<c>.ChatCompletions.cs</c>), the OpenAI Responses API (<c>.Responses.cs</c>) and the Gemini API
/// (<c>.Gemini.cs</c>). Replies are scripted per test (first in, first out, whatever API asks; "ok" when none is left)
/// and every request is recorded.
/// </summary>
public sealed partial class FakeModelServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeReply> _replies = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(Func<JsonElement, bool> Matches, string Answer)> _asides = [];
    private readonly WebApplication _app;
    private int _toolCalls;

    private FakeModelServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = new("http://127.0.0.1");

    /// <summary>The base URL without a trailing slash, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl => Address.ToString().TrimEnd('/');

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeModelServer(app);
        app.MapPost("/v1/messages", server.AnthropicAsync);
        app.MapPost("/v1/chat/completions", server.ChatCompletionsAsync);
        app.MapGet("/v1/models", server.ModelsAsync);
        server.MapResponses(app);
        server.MapGemini(app);
        await app.StartAsync();
        server.Address = new Uri(app.Urls.First());
        return server;
    }

    public FakeModelServer Reply(params FakeReply[] replies)
    {
        foreach (var reply in replies)
        {
            _replies.Enqueue(reply);
        }

        return this;
    }

    /// <summary>
    /// Answers requests that <paramref name="matches"/> (by their JSON body) with <paramref name="answer"/> without taking
    /// a scripted reply — for side requests a CLI makes on its own, such as generating a session title. They are recorded.
    /// </summary>
    public FakeModelServer Aside(Func<JsonElement, bool> matches, string answer)
    {
        lock (_asides)
        {
            _asides.Add((matches, answer));
        }

        return this;
    }

    /// <summary>
    /// A daemon <c>config.yaml</c> that runs the real Claude Code (from .tools) against this server, with its state in
    /// <paramref name="home"/> and no API retries (a test wants the first answer).
    /// </summary>
    public string ClaudeConfig(string home) => $"""
        Agents:
          Claude:
            Executable: {TestTools.NpmBin("claude")}
            Environment:
              ANTHROPIC_BASE_URL: {BaseUrl}
              ANTHROPIC_API_KEY: sk-fake
              HOME: {home}
              CLAUDE_CODE_MAX_RETRIES: "0"
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Records the request and picks its reply: an aside's answer, the next scripted reply, or "ok".</summary>
    private async Task<(JsonElement Body, FakeReply Reply)> ReceiveAsync(HttpContext http)
    {
        using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var body = document.RootElement.Clone();
        lock (_requests)
        {
            _requests.Add(new RecordedRequest(http.Request.Path, body));
        }

        lock (_asides)
        {
            foreach (var (matches, answer) in _asides)
            {
                if (matches(body))
                {
                    return (body, new FakeReply.Text(answer));
                }
            }
        }

        return (body, _replies.TryDequeue(out var next) ? next : new FakeReply.Text("ok"));
    }

    /// <summary>
    /// Answers a failing reply: <see cref="FakeReply.Hang"/> waits until the client goes away, <see cref="FakeReply.Error"/>
    /// writes its status and <paramref name="errorBody"/>. False when the reply is an answer, which the caller writes.
    /// </summary>
    private static async Task<bool> FailAsync(HttpContext http, FakeReply reply, Func<FakeReply.Error, object> errorBody)
    {
        switch (reply)
        {
            case FakeReply.Hang:
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return true;
            case FakeReply.Error error:
                http.Response.StatusCode = error.Status;
                await http.Response.WriteAsJsonAsync(errorBody(error));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Maps the OpenAI Responses API (<c>FakeModelServer.Responses.cs</c>).</summary>
    partial void MapResponses(WebApplication app);

    /// <summary>Maps the Gemini API (<c>FakeModelServer.Gemini.cs</c>).</summary>
    partial void MapGemini(WebApplication app);

    private string NextToolCallId(string prefix) => $"{prefix}{Interlocked.Increment(ref _toolCalls)}";

    private static bool IsStreaming(JsonElement body) =>
        body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;

    private static string ModelOf(JsonElement body) =>
        body.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString()! : "fake-model";

    /// <summary>One server-sent event: <c>event:</c> (when named) and <c>data:</c>, flushed at once.</summary>
    private static async Task EventAsync(HttpContext http, string? type, object data)
    {
        var named = type is null ? "" : $"event: {type}\n";
        await http.Response.WriteAsync($"{named}data: {(data as string ?? JsonSerializer.Serialize(data))}\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private Task ModelsAsync(HttpContext http) =>
        http.Response.WriteAsJsonAsync(new { @object = "list", data = new[] { new { id = "fake-model", @object = "model", created = 1_700_000_000, owned_by = "agentcron-tests" } } });
}
