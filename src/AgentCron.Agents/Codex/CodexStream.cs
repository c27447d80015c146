using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.Codex;

/// <summary>
/// Reads <c>codex exec --json</c> events as they arrive: <c>thread.started</c> gives the session id; items (agent
/// messages, reasoning, commands, file changes, MCP tool calls, web searches, notices) become log entries;
/// <c>turn.completed</c> ends the turn with its usage and <c>turn.failed</c> with Codex's own message. A top-level
/// <c>error</c> alone is not a failure: Codex also reports its retries ("Reconnecting... 1/5") that way. The model stays
/// unknown: Codex's events do not name it.
/// </summary>
/// <param name="log">The run's log.</param>
/// <param name="earlier">
/// A resumed session's token totals before this turn: Codex reports the session's running totals, so they are
/// subtracted to get the turn's own usage. Null for a new session.
/// </param>
public sealed class CodexStream(IRunLogWriter log, RunUsage? earlier = null) : JsonLinesAgentStream(log)
{
    private readonly HashSet<string> _started = [];
    private string? _answer;
    private string? _lastError;

    protected override void Handle(JsonElement root)
    {
        switch (Text(root, "type"))
        {
            case "thread.started":
                SessionId = Text(root, "thread_id") ?? SessionId;
                Log.Write("agent.session", new { sessionId = SessionId });
                break;
            case "turn.started" or "item.updated":
                // Nothing to log: the turn's items follow, and an update (a plan's progress) is complete in its item.completed.
                break;
            case "item.started" when Member(root, "item") is { } item:
                Started(item);
                break;
            case "item.completed" when Member(root, "item") is { } item:
                Completed(item);
                break;
            case "error":
                _lastError = Text(root, "message");
                Log.Write("agent.status", new { subtype = "error", error = _lastError });
                break;
            case "turn.completed":
                Finish(root, isError: false, _answer);
                break;
            case "turn.failed":
                Finish(root, isError: true, (Member(root, "error") is { } error ? Text(error, "message") : null) ?? _lastError);
                break;
            default:
                Log.Write("agent.event", new { type = Text(root, "type") });
                break;
        }
    }

    private void Started(JsonElement item)
    {
        if (Call(item) is { } call && Text(item, "id") is { } id && _started.Add(id))
        {
            Log.Write("tool.call", new { id, name = call.Name, input = call.Input });
        }
    }

    private void Completed(JsonElement item)
    {
        var id = Text(item, "id");
        switch (Text(item, "type"))
        {
            case "agent_message":
                _answer = Text(item, "text");
                Log.Write("assistant.text", new { text = _answer });
                return;
            case "reasoning":
                Log.Write("assistant.thinking", new { text = Text(item, "text") });
                return;
            case "error":
                // A notice, not the end of the turn (e.g. "Model metadata for `m` not found").
                Log.Write("agent.status", new { subtype = "notice", error = Text(item, "message") });
                return;
            case "todo_list":
                Log.Write("agent.plan", new { items = Member(item, "items")?.Clone() });
                return;
        }

        if (Call(item) is not { } call)
        {
            Log.Write("agent.event", new { type = "item.completed", itemType = Text(item, "type") });
            return;
        }

        // A call can complete without having started (e.g. a file change): log its call first so every result has one.
        if (id is null || _started.Add(id))
        {
            Log.Write("tool.call", new { id, name = call.Name, input = call.Input });
        }

        var status = Text(item, "status");
        var exitCode = Number(item, "exit_code");
        Log.Write("tool.result", new
        {
            id,
            isError = status is "failed" or "declined" || exitCode is not (null or 0) || Member(item, "error") is not null,
            exitCode,
            content = Shorten(Output(item)),
        });
    }

    /// <summary>What an item that is a tool call asked for: its name for the log and its input; null for other items.</summary>
    private static (string Name, object? Input)? Call(JsonElement item) => Text(item, "type") switch
    {
        "command_execution" => ("command", new { command = Text(item, "command") }),
        "file_change" => ("file_change", new { changes = Member(item, "changes")?.Clone() }),
        "mcp_tool_call" => ($"{Text(item, "server")}/{Text(item, "tool")}", Member(item, "arguments")?.Clone()),
        "web_search" => ("web_search", new { query = Text(item, "query") }),
        _ => null,
    };

    /// <summary>A finished call's output: a command's output, an MCP tool's result or error, the files a change touched.</summary>
    private static string Output(JsonElement item) => Text(item, "type") switch
    {
        "command_execution" => Text(item, "aggregated_output") ?? "",
        "mcp_tool_call" => Member(item, "error") is { } error ? Text(error, "message") ?? error.GetRawText()
            : Member(item, "result") is { } result ? McpText(result) : "",
        "file_change" => string.Join("\n", Items(item, "changes").Select(c => $"{Text(c, "kind")} {Text(c, "path")}")),
        _ => "",
    };

    /// <summary>An MCP result's text parts, joined; its raw JSON when it has none.</summary>
    private static string McpText(JsonElement result)
    {
        var texts = Items(result, "content").Select(c => Text(c, "text")).OfType<string>().ToList();
        return texts.Count > 0 ? string.Join("\n", texts) : result.GetRawText();
    }

    private void Finish(JsonElement root, bool isError, string? text)
    {
        var usage = Member(root, "usage") ?? default;
        var input = Number(usage, "input_tokens");
        var output = Number(usage, "output_tokens");
        var turnUsage = new RunUsage(Since(input, earlier?.InputTokens), Since(output, earlier?.OutputTokens), null);
        Outcome = new AgentOutcome(isError, text, turnUsage);
        Log.Write("agent.result", new
        {
            isError,
            error = isError ? text : null,
            inputTokens = turnUsage.InputTokens,
            outputTokens = turnUsage.OutputTokens,
            sessionInputTokens = input,
            sessionOutputTokens = output,
        });
    }

    /// <summary>A running total minus its value before this turn (never below zero, e.g. after Codex compacted the session).</summary>
    private static long? Since(long? total, long? before) => total is { } now ? Math.Max(0, now - (before ?? 0)) : null;
}
