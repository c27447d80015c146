using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentCron.TestKit;

/// <summary>
/// The OpenAI Chat Completions API (<c>POST /v1/chat/completions</c>, streaming chunks ending in <c>[DONE]</c> or one
/// JSON answer) for Qwen Code, OpenCode, Kilo and the OpenAI-compatible endpoint runner.
/// </summary>
public sealed partial class FakeModelServer
{
    private const int ChatPromptTokens = 17;
    private const int ChatCompletionTokens = 5;

    private async Task ChatCompletionsAsync(HttpContext http)
    {
        var (body, reply) = await ReceiveAsync(http);
        if (await FailAsync(http, reply, error => new { error = new { message = error.Message, type = error.Status == 401 ? "invalid_request_error" : "server_error", code = error.Status == 401 ? "invalid_api_key" : null } }))
        {
            return;
        }

        var model = ModelOf(body);
        const string Id = "chatcmpl-fake";
        const long Created = 1_700_000_000;
        var toolCall = reply is FakeReply.ToolUse tool
            ? new { id = NextToolCallId("call_"), type = "function", function = new { name = tool.Name, arguments = JsonSerializer.Serialize(tool.Input) } }
            : null;
        var content = (reply as FakeReply.Text)?.Content;
        var finish = toolCall is null ? "stop" : "tool_calls";
        var usage = new { prompt_tokens = ChatPromptTokens, completion_tokens = ChatCompletionTokens, total_tokens = ChatPromptTokens + ChatCompletionTokens };

        if (!IsStreaming(body))
        {
            await http.Response.WriteAsJsonAsync(new
            {
                id = Id,
                @object = "chat.completion",
                created = Created,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content, tool_calls = toolCall is null ? null : new[] { toolCall } }, finish_reason = finish } },
                usage,
            });
            return;
        }

        http.Response.ContentType = "text/event-stream";
        object Chunk(object delta, string? finishReason) => new
        {
            id = Id,
            @object = "chat.completion.chunk",
            created = Created,
            model,
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        };

        await EventAsync(http, null, Chunk(new { role = "assistant", content = "" }, null));
        if (toolCall is null)
        {
            await EventAsync(http, null, Chunk(new { content }, null));
        }
        else
        {
            await EventAsync(http, null, Chunk(new { tool_calls = new[] { new { index = 0, toolCall.id, toolCall.type, function = new { toolCall.function.name, arguments = "" } } } }, null));
            await EventAsync(http, null, Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = toolCall.function.arguments } } } }, null));
        }

        await EventAsync(http, null, Chunk(new { }, finish));
        if (body.TryGetProperty("stream_options", out var options) && options.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True)
        {
            await EventAsync(http, null, new { id = Id, @object = "chat.completion.chunk", created = Created, model, choices = Array.Empty<object>(), usage });
        }

        await EventAsync(http, null, "[DONE]");
    }
}
