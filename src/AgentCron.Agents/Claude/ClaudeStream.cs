using System.Text.Json;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Claude;

/// <summary>
/// Reads Claude Code's <c>--output-format stream-json</c> lines as they arrive: each becomes a log entry (assistant
/// text, tool calls, tool results, retries, the result), and the session id, model, final text, usage and cost are
/// kept for the run. Lines that are not JSON are logged as plain output.
/// </summary>
public sealed class ClaudeStream(IRunLogWriter log)
{
    private const int MaxLoggedToolResult = 4000;

    public string? SessionId { get; private set; }
    public string? Model { get; private set; }

    /// <summary>The final <c>result</c> record, once seen.</summary>
    public ClaudeResult? Result { get; private set; }

    public void Handle(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            log.Write("stdout", new { text = line });
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                log.Write("stdout", new { text = line });
                return;
            }

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
                    log.Write("agent.event", new { type = Text(root, "type") });
                    break;
            }
        }
    }

    private void System(JsonElement root)
    {
        if (Text(root, "subtype") == "init")
        {
            Model = Text(root, "model") ?? Model;
            log.Write("agent.session", new { sessionId = SessionId, model = Model, cwd = Text(root, "cwd") });
        }
        else
        {
            // e.g. api_retry: the CLI is retrying a failing model API.
            log.Write("agent.status", new { subtype = Text(root, "subtype"), error = Text(root, "error"), attempt = Number(root, "attempt") });
        }
    }

    private void Assistant(JsonElement root)
    {
        if (!root.TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        Model = Text(message, "model") ?? Model;
        foreach (var block in content.EnumerateArray())
        {
            switch (Text(block, "type"))
            {
                case "text":
                    log.Write("assistant.text", new { text = Text(block, "text") });
                    break;
                case "tool_use":
                    log.Write("tool.call", new { id = Text(block, "id"), name = Text(block, "name"), input = block.TryGetProperty("input", out var input) ? input.Clone() : default });
                    break;
                case "thinking":
                    log.Write("assistant.thinking", new { text = Text(block, "thinking") });
                    break;
            }
        }
    }

    private void ToolResults(JsonElement root)
    {
        if (!root.TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var block in content.EnumerateArray().Where(b => Text(b, "type") == "tool_result"))
        {
            var text = block.TryGetProperty("content", out var value) ? Flatten(value) : "";
            log.Write("tool.result", new
            {
                id = Text(block, "tool_use_id"),
                isError = block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True,
                content = text.Length <= MaxLoggedToolResult ? text : string.Concat(text.AsSpan(0, MaxLoggedToolResult), "…"),
            });
        }
    }

    private void Final(JsonElement root)
    {
        var usage = root.TryGetProperty("usage", out var u) ? u : default;
        var cost = root.TryGetProperty("total_cost_usd", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDecimal() : (decimal?)null;
        Result = new ClaudeResult(
            IsError: root.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True,
            Subtype: Text(root, "subtype"),
            Text: Text(root, "result"),
            NumTurns: Number(root, "num_turns"),
            Usage: new RunUsage(
                Sum(usage, "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"),
                Sum(usage, "output_tokens"),
                cost));
        log.Write("agent.result", new
        {
            subtype = Result.Subtype,
            isError = Result.IsError,
            numTurns = Result.NumTurns,
            inputTokens = Result.Usage.InputTokens,
            outputTokens = Result.Usage.OutputTokens,
            costUsd = cost,
            permissionDenials = root.TryGetProperty("permission_denials", out var denials) && denials.ValueKind == JsonValueKind.Array ? denials.GetArrayLength() : 0,
        });
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    private static long? Sum(JsonElement element, params string[] names)
    {
        var values = names.Select(n => Number(element, n)).Where(v => v is not null).ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    /// <summary>A tool result's content: a string, or an array of blocks whose text parts are joined.</summary>
    private static string Flatten(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? "",
        JsonValueKind.Array => string.Join("\n", content.EnumerateArray().Select(b => Text(b, "text") ?? b.GetRawText())),
        _ => content.GetRawText(),
    };
}

/// <summary>Claude Code's final <c>result</c> record.</summary>
public sealed record ClaudeResult(bool IsError, string? Subtype, string? Text, long? NumTurns, RunUsage Usage);
