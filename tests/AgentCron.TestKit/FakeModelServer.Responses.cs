using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentCron.TestKit;

/// <summary>
/// The OpenAI Responses API (<c>POST /v1/responses</c>, streamed as server-sent events or one JSON answer) for Codex. A
/// <see cref="FakeReply.ToolUse"/> becomes a <c>function_call</c> output item; Codex offers its shell as
/// <c>exec_command</c> with <c>{"cmd": "…"}</c>.
/// </summary>
public sealed partial class FakeModelServer
{
    /// <summary>The provider id Codex is given for this server (<see cref="CodexArguments"/>).</summary>
    private const string CodexProvider = "agentcron_fake";

    private const int ResponsesInputTokens = 29;
    private const int ResponsesOutputTokens = 11;

    /// <summary>The variable that holds the (fake) API key Codex sends to this server.</summary>
    public const string CodexKeyVariable = "AGENTCRON_FAKE_CODEX_KEY";

    /// <summary>
    /// Codex's <c>-c</c> settings that point it at this server: a custom provider speaking the Responses API over plain
    /// HTTP (the built-in OpenAI provider tries a WebSocket first), without retries (a test wants the first answer) and
    /// without analytics. The key comes from <see cref="CodexKeyVariable"/>.
    /// </summary>
    public IReadOnlyList<string> CodexArguments =>
    [
        "-c", $"model_providers.{CodexProvider}={{name=\"AgentCron fake\",base_url=\"{BaseUrl}/v1\",wire_api=\"responses\",env_key=\"{CodexKeyVariable}\",request_max_retries=0,stream_max_retries=0}}",
        "-c", $"model_provider=\"{CodexProvider}\"",
        "-c", "analytics.enabled=false",
    ];

    /// <summary>
    /// A daemon <c>config.yaml</c> that runs the real Codex (from .tools) against this server, with its state in
    /// <paramref name="home"/>.
    /// </summary>
    public string CodexConfig(string home) => $"""
        Agents:
          Codex:
            Executable: {TestTools.NpmBin("codex")}
            Arguments:
        {string.Join("\n", CodexArguments.Select(a => $"      - '{a}'"))}
            Environment:
              HOME: {home}
              {CodexKeyVariable}: sk-fake
        """;

    partial void MapResponses(WebApplication app) => app.MapPost("/v1/responses", ResponsesAsync);

    private async Task ResponsesAsync(HttpContext http)
    {
        var (body, reply) = await ReceiveAsync(http);
        if (await FailAsync(http, reply, error => new { error = new { message = error.Message, type = error.Status == 401 ? "invalid_request_error" : "server_error", code = error.Status == 401 ? "invalid_api_key" : null } }))
        {
            return;
        }

        var model = ModelOf(body);
        var callId = reply is FakeReply.ToolUse ? NextToolCallId("call_") : null;

        // As the real API streams them: an item is added empty, in progress, and is done complete.
        object Item(bool done) => reply switch
        {
            FakeReply.ToolUse tool => new { type = "function_call", id = $"fc_{callId}", call_id = callId, name = tool.Name, arguments = done ? JsonSerializer.Serialize(tool.Input) : "", status = done ? "completed" : "in_progress" },
            FakeReply.Text text => new { type = "message", id = "msg_fake", role = "assistant", status = done ? "completed" : "in_progress", content = done ? new[] { new { type = "output_text", text = text.Content, annotations = Array.Empty<object>() } } : [] },
            _ => throw new InvalidOperationException($"unknown reply {reply}"),
        };
        object Response(string status, object[] output, object? usage) =>
            new { id = "resp_fake", @object = "response", created_at = 1_700_000_000, status, model, output, usage };
        var usage = new { input_tokens = ResponsesInputTokens, output_tokens = ResponsesOutputTokens, total_tokens = ResponsesInputTokens + ResponsesOutputTokens };

        if (!IsStreaming(body))
        {
            await http.Response.WriteAsJsonAsync(Response("completed", [Item(done: true)], usage));
            return;
        }

        http.Response.ContentType = "text/event-stream";
        var sequence = 0;
        Task Event(string type, object data)
        {
            var fields = JsonSerializer.SerializeToElement(data).EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
            fields["type"] = type;
            fields["sequence_number"] = sequence++;
            return EventAsync(http, type, fields);
        }

        await Event("response.created", new { response = Response("in_progress", [], null) });
        await Event("response.output_item.added", new { output_index = 0, item = Item(done: false) });
        if (reply is FakeReply.Text answer)
        {
            await Event("response.output_text.delta", new { item_id = "msg_fake", output_index = 0, content_index = 0, delta = answer.Content });
        }

        await Event("response.output_item.done", new { output_index = 0, item = Item(done: true) });
        await Event("response.completed", new { response = Response("completed", [Item(done: true)], usage) });
    }
}
