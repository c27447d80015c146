using System.Text;
using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.Gemini;

/// <summary>
/// Reads the Gemini CLI's <c>--output-format stream-json</c> lines as they arrive: <c>init</c> (session id, model),
/// <c>message</c> (the user's prompt, then the assistant's text as deltas — one per streamed chunk, often a word or
/// two), <c>tool_use</c> / <c>tool_result</c>, <c>error</c> (warnings such as a detected loop) and <c>result</c>
/// (status, error, token stats). The assistant's deltas are joined into one <c>assistant.text</c> entry per message, so
/// the log has one entry per answer rather than one per chunk; the run's output is the last message after the last
/// tool call, as the CLI's own <c>json</c> output reports it.
/// </summary>
public sealed class GeminiStream(IRunLogWriter log) : JsonLinesAgentStream(log)
{
    private readonly StringBuilder _message = new();
    private string? _answer;
    private string? _lastError;

    protected override void Handle(JsonElement root)
    {
        var type = Text(root, "type");
        if (type == "message" && Text(root, "role") == "assistant")
        {
            _message.Append(Text(root, "content"));
            return;
        }

        EndMessage();
        switch (type)
        {
            case "init":
                SessionId = Text(root, "session_id") ?? SessionId;
                Model = Text(root, "model") ?? Model;
                Log.Write("agent.session", new { sessionId = SessionId, model = Model });
                break;
            case "message":
                // The user's prompt, echoed: the run has it already.
                break;
            case "tool_use":
                // What the model says after its tools ran is the answer; text before a tool call is not.
                _answer = null;
                Log.Write("tool.call", new { id = Text(root, "tool_id"), name = Text(root, "tool_name"), input = Member(root, "parameters")?.Clone() });
                break;
            case "tool_result":
                var error = Member(root, "error") ?? default;
                Log.Write("tool.result", new
                {
                    id = Text(root, "tool_id"),
                    isError = Text(root, "status") != "success",
                    content = Shorten(Text(root, "output") ?? Text(error, "message") ?? ""),
                });
                break;
            case "error":
                // Loop detected, turn limit, invalid stream: the turn may still end with a result.
                var severity = Text(root, "severity");
                if (severity == "error")
                {
                    _lastError = Text(root, "message");
                }

                Log.Write("agent.status", new { severity, message = Text(root, "message") });
                break;
            case "result":
                Final(root);
                break;
            default:
                Log.Write("agent.event", new { type });
                break;
        }
    }

    /// <summary>Logs the assistant message streamed so far (if any) as one entry; it is the answer until a tool call.</summary>
    private void EndMessage()
    {
        if (_message.Length == 0)
        {
            return;
        }

        _answer = _message.ToString();
        _message.Clear();
        Log.Write("assistant.text", new { text = _answer });
    }

    private void Final(JsonElement root)
    {
        var stats = Member(root, "stats") ?? default;
        var status = Text(root, "status");
        var isError = status != "success";
        var error = Member(root, "error") is { } e ? Text(e, "message") : null;
        Model = ModelUsed(stats) ?? Model;
        var usage = new RunUsage(Number(stats, "input_tokens"), Number(stats, "output_tokens"), null);
        Outcome = new AgentOutcome(isError, isError ? error ?? _lastError : _answer, usage);
        Log.Write("agent.result", new
        {
            status,
            isError,
            error,
            toolCalls = Number(stats, "tool_calls"),
            inputTokens = usage.InputTokens,
            cachedTokens = Number(stats, "cached"),
            outputTokens = usage.OutputTokens,
            durationMs = Number(stats, "duration_ms"),
            model = Model,
        });
    }

    /// <summary>
    /// The model that answered, from the stats per model (the API's own model version): the one with the most output
    /// tokens, since with automatic routing a small classifier model is called too.
    /// </summary>
    private static string? ModelUsed(JsonElement stats) =>
        Member(stats, "models") is { ValueKind: JsonValueKind.Object } models
            ? models.EnumerateObject().OrderByDescending(m => Number(m.Value, "output_tokens") ?? 0).Select(m => m.Name).FirstOrDefault()
            : null;
}
