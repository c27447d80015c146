using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentCron.TestKit;

/// <summary>The Anthropic Messages API (<c>POST /v1/messages</c>) for Claude Code.</summary>
public sealed partial class FakeModelServer
{
    /// <summary>
    /// The variables that point Claude Code at this server with a fake key and no API retries (it retries a failed call ten
    /// times with growing delays; a test wants the first answer).
    /// </summary>
    public IReadOnlyDictionary<string, string> ClaudeEnvironment => new Dictionary<string, string>
    {
        ["ANTHROPIC_BASE_URL"] = BaseUrl,
        ["ANTHROPIC_API_KEY"] = "sk-fake",
        ["CLAUDE_CODE_MAX_RETRIES"] = "0",
    };

    private async Task AnthropicAsync(HttpContext http)
    {
        var (body, reply) = await ReceiveAsync(http);
        if (await FailAsync(http, reply, error => new { type = "error", error = new { type = error.Status == 401 ? "authentication_error" : "api_error", message = error.Message } }))
        {
            return;
        }

        var model = ModelOf(body);
        var block = reply switch
        {
            FakeReply.ToolUse tool => (object)new { type = "tool_use", id = NextToolCallId("toolu_"), name = tool.Name, input = tool.Input },
            FakeReply.Text text => new { type = "text", text = text.Content },
            _ => throw new InvalidOperationException($"unknown reply {reply}"),
        };
        var stopReason = reply is FakeReply.ToolUse ? "tool_use" : "end_turn";
        var usage = new { input_tokens = 21, output_tokens = 7 };
        if (!IsStreaming(body))
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
}
