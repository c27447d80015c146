using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.Claude;

/// <summary>
/// Reads Claude Code's <c>--output-format stream-json</c> lines as they arrive: each becomes a log entry (assistant
/// text, tool calls, tool results, retries, the result), and the session id, model, final text, usage and cost are
/// kept for the run. Lines that are not JSON are logged as plain output. Qwen Code prints the same records.
/// </summary>
/// <param name="log">Where the entries go.</param>
/// <param name="usageFromMessages">
/// Count the run's tokens from the assistant messages rather than the result record. Qwen Code's result counts the
/// whole session (it restores its counters on resume) and its side requests; its assistant records carry the usage of
/// one model response each. (Claude Code repeats one response's usage on every record of it, so it keeps the result's.)
/// </param>
public sealed class ClaudeStream(IRunLogWriter log, bool usageFromMessages = false) : JsonLinesAgentStream(log)
{
    private long? _messageInputTokens;
    private long? _messageOutputTokens;

    protected override void Handle(JsonElement root)
    {
        SessionId = Text(root, "session_id") ?? SessionId;
        switch (Text(root, "type"))
        {
            case "system":
                System(root);
                break;
            case "assistant":
                Assistant(root);
                break;
            case "user":
                ToolResults(root);
                break;
            case "result":
                Final(root);
                break;
            default:
                Log.Write("agent.event", new { type = Text(root, "type") });
                break;
        }
    }

    private void System(JsonElement root)
    {
        if (Text(root, "subtype") == "init")
        {
            Model = Text(root, "model") ?? Model;
            Log.Write("agent.session", new { sessionId = SessionId, model = Model, cwd = Text(root, "cwd") });
        }
        else
        {
            // e.g. api_retry: the CLI is retrying a failing model API.
            Log.Write("agent.status", new { subtype = Text(root, "subtype"), error = Text(root, "error"), attempt = Number(root, "attempt") });
        }
    }

    private void Assistant(JsonElement root)
    {
        if (Member(root, "message") is not { } message)
        {
            return;
        }

        Model = Text(message, "model") ?? Model;
        if (Member(message, "usage") is { } usage)
        {
            _messageInputTokens = Add(_messageInputTokens, Sum(usage, "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"));
            _messageOutputTokens = Add(_messageOutputTokens, Sum(usage, "output_tokens"));
        }

        foreach (var block in Items(message, "content"))
        {
            switch (Text(block, "type"))
            {
                case "text":
                    Log.Write("assistant.text", new { text = Text(block, "text") });
                    break;
                case "tool_use":
                    Log.Write("tool.call", new { id = Text(block, "id"), name = Text(block, "name"), input = Member(block, "input")?.Clone() });
                    break;
                case "thinking":
                    Log.Write("assistant.thinking", new { text = Text(block, "thinking") });
                    break;
            }
        }
    }

    private void ToolResults(JsonElement root)
    {
        if (Member(root, "message") is not { } message)
        {
            return;
        }

        foreach (var block in Items(message, "content").Where(b => Text(b, "type") == "tool_result"))
        {
            Log.Write("tool.result", new
            {
                id = Text(block, "tool_use_id"),
                isError = Flag(block, "is_error"),
                content = Shorten(Member(block, "content") is { } content ? Flatten(content) : ""),
            });
        }
    }

    private void Final(JsonElement root)
    {
        var usage = Member(root, "usage") ?? default;
        var isError = Flag(root, "is_error");
        var subtype = Text(root, "subtype");
        // Qwen Code puts a failure's message in error.message rather than in result.
        var text = Text(root, "result") ?? (Member(root, "error") is { } error ? Text(error, "message") : null);
        var runUsage = usageFromMessages
            ? new RunUsage(_messageInputTokens, _messageOutputTokens, Decimal(root, "total_cost_usd"))
            : new RunUsage(
                Sum(usage, "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"),
                Sum(usage, "output_tokens"),
                Decimal(root, "total_cost_usd"));
        Outcome = new AgentOutcome(isError, isError && subtype is not (null or "success") ? $"({subtype}) {text}" : text, runUsage);
        Log.Write("agent.result", new
        {
            subtype,
            isError,
            numTurns = Number(root, "num_turns"),
            inputTokens = runUsage.InputTokens,
            outputTokens = runUsage.OutputTokens,
            costUsd = runUsage.CostUsd,
            permissionDenials = Items(root, "permission_denials").Count(),
        });
    }

    private static long? Add(long? total, long? value) => value is null ? total : (total ?? 0) + value;

    /// <summary>A tool result's content: a string, or an array of blocks whose text parts are joined.</summary>
    private static string Flatten(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? "",
        JsonValueKind.Array => string.Join("\n", content.EnumerateArray().Select(b => Text(b, "text") ?? b.GetRawText())),
        _ => content.GetRawText(),
    };
}
