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
/// A local model server for the real agent CLIs: enough of the Anthropic Messages API (<c>POST /v1/messages</c>,
/// streaming and not) for Claude Code to complete turns, including tool calls. Replies are scripted per test (first in,
/// first out; "ok" when none is left) and every request is recorded.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeReply> _replies = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly WebApplication _app;
    private int _toolCalls;

    private FakeModelServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = new("http://127.0.0.1");

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
    /// A daemon <c>config.yaml</c> that runs the real Claude Code (from .tools) against this server, with its state in
    /// <paramref name="home"/> and no API retries (a test wants the first answer).
    /// </summary>
    public string ClaudeConfig(string home) => $"""
        Agents:
          Claude:
            Executable: {TestTools.NpmBin("claude")}
            Environment:
              ANTHROPIC_BASE_URL: {Address.ToString().TrimEnd('/')}
              ANTHROPIC_API_KEY: sk-fake
              HOME: {home}
              CLAUDE_CODE_MAX_RETRIES: "0"
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnthropicAsync(HttpContext http)
    {
        using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        lock (_requests)
        {
            _requests.Add(new RecordedRequest(http.Request.Path, body.RootElement.Clone()));
        }

        var reply = _replies.TryDequeue(out var next) ? next : new FakeReply.Text("ok");
        var model = body.RootElement.TryGetProperty("model", out var m) ? m.GetString() : "fake-model";
        switch (reply)
        {
            case FakeReply.Hang:
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case FakeReply.Error error:
                http.Response.StatusCode = error.Status;
                await http.Response.WriteAsJsonAsync(new { type = "error", error = new { type = error.Status == 401 ? "authentication_error" : "api_error", message = error.Message } });
                return;
        }

        var block = reply switch
        {
            FakeReply.ToolUse tool => (object)new { type = "tool_use", id = $"toolu_{Interlocked.Increment(ref _toolCalls)}", name = tool.Name, input = tool.Input },
            FakeReply.Text text => new { type = "text", text = text.Content },
            _ => throw new InvalidOperationException($"unknown reply {reply}"),
        };
        var stopReason = reply is FakeReply.ToolUse ? "tool_use" : "end_turn";
        var usage = new { input_tokens = 21, output_tokens = 7 };
        if (!(body.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            await http.Response.WriteAsJsonAsync(new { id = "msg_fake", type = "message", role = "assistant", model, content = new[] { block }, stop_reason = stopReason, stop_sequence = (string?)null, usage });
            return;
        }

        http.Response.ContentType = "text/event-stream";
        await EventAsync(http, "message_start", new { type = "message_start", message = new { id = "msg_fake", type = "message", role = "assistant", model, content = Array.Empty<object>(), stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 21, output_tokens = 1 } } });
        switch (reply)
        {
            case FakeReply.ToolUse tool:
                var id = JsonSerializer.SerializeToElement(block).GetProperty("id").GetString();
                await EventAsync(http, "content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "tool_use", id, name = tool.Name, input = new { } } });
                await EventAsync(http, "content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "input_json_delta", partial_json = JsonSerializer.Serialize(tool.Input) } });
                break;
            case FakeReply.Text text:
                await EventAsync(http, "content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } });
                await EventAsync(http, "content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = text.Content } });
                break;
        }

        await EventAsync(http, "content_block_stop", new { type = "content_block_stop", index = 0 });
        await EventAsync(http, "message_delta", new { type = "message_delta", delta = new { stop_reason = stopReason, stop_sequence = (string?)null }, usage = new { output_tokens = 7 } });
        await EventAsync(http, "message_stop", new { type = "message_stop" });
    }

    private static async Task EventAsync(HttpContext http, string type, object data)
    {
        await http.Response.WriteAsync($"event: {type}\ndata: {JsonSerializer.Serialize(data)}\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
