using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.OpenCode;

/// <summary>
/// Reads the JSON events of <c>opencode run --format json</c> (and Kilo's, which are the same) as they arrive. Each
/// event carries the <c>sessionID</c> and one message part: <c>step_start</c>, <c>text</c>, <c>reasoning</c>,
/// <c>tool_use</c> (a finished tool call, input and output together), <c>step_finish</c> (tokens and cost of one model
/// request) or <c>error</c>. There is no closing event — the CLI just exits when the session goes idle — so the outcome
/// is kept up to date as steps finish: the answer is the text of the last step that wrote any, usage is summed over the
/// steps, and an error makes the turn failed with the CLI's message. The events do not name the model.
/// </summary>
public sealed class OpenCodeStream(IRunLogWriter log) : JsonLinesAgentStream(log)
{
    private readonly List<string> _stepText = [];
    private string? _answer;
    private string? _error;
    private RunUsage? _usage;

    protected override void Handle(JsonElement root)
    {
        if (SessionId is null && Text(root, "sessionID") is { } session)
        {
            SessionId = session;
            Log.Write("agent.session", new { sessionId = session });
        }

        var part = Member(root, "part") ?? default;
        switch (Text(root, "type"))
        {
            case "step_start":
                _stepText.Clear();
                break;
            case "text":
                var text = Text(part, "text") ?? "";
                _stepText.Add(text);
                Log.Write("assistant.text", new { text });
                break;
            case "reasoning":
                Log.Write("assistant.thinking", new { text = Text(part, "text") });
                break;
            case "tool_use":
                Tool(part);
                break;
            case "step_finish":
                StepFinished(part);
                break;
            case "error":
                Failed(Member(root, "error") ?? default);
                break;
            default:
                Log.Write("agent.event", new { type = Text(root, "type") });
                break;
        }
    }

    /// <summary>
    /// A finished tool call: logged as the call and its result. A call of a tool the posture does not offer comes back
    /// from OpenCode as a call of its <c>invalid</c> tool naming the one the model asked for; it is logged under that name.
    /// </summary>
    private void Tool(JsonElement part)
    {
        var id = Text(part, "callID");
        var state = Member(part, "state") ?? default;
        var input = Member(state, "input");
        var name = Text(part, "tool");
        var unavailable = name == "invalid" && input is { } asked && Text(asked, "tool") is not null;
        Log.Write("tool.call", new { id, name = unavailable ? Text(input!.Value, "tool") : name, input = input?.Clone() });
        Log.Write("tool.result", new
        {
            id,
            isError = unavailable || Text(state, "status") == "error",
            content = Shorten(Text(state, "output") ?? Text(state, "error") ?? ""),
        });
    }

    private void StepFinished(JsonElement part)
    {
        var tokens = Member(part, "tokens") ?? default;
        var cache = Member(tokens, "cache") ?? default;
        var step = new RunUsage(
            Sum(tokens, "input") + (Sum(cache, "read", "write") ?? 0),
            Sum(tokens, "output", "reasoning"),
            Decimal(part, "cost"));
        _usage = _usage is null ? step : new RunUsage(
            Add(_usage.InputTokens, step.InputTokens),
            Add(_usage.OutputTokens, step.OutputTokens),
            Add(_usage.CostUsd, step.CostUsd));
        if (_stepText.Count > 0)
        {
            _answer = string.Join("\n", _stepText);
        }

        if (_error is null)
        {
            Outcome = new AgentOutcome(false, _answer, _usage);
        }

        Log.Write("agent.step", new { reason = Text(part, "reason"), inputTokens = step.InputTokens, outputTokens = step.OutputTokens, costUsd = step.CostUsd });
    }

    /// <summary>An error of the session (e.g. the model API refused the key): the turn fails with the CLI's message.</summary>
    private void Failed(JsonElement error)
    {
        var data = Member(error, "data") ?? default;
        var status = Number(data, "statusCode");
        var message = Text(data, "message") ?? Text(error, "name") ?? "unknown error";
        if (status is not null)
        {
            message = $"{message} (HTTP {status})";
        }

        _error = _error is null ? message : $"{_error}\n{message}";
        Outcome = new AgentOutcome(true, _error, _usage);
        Log.Write("agent.error", new { name = Text(error, "name"), message, statusCode = status });
    }

    private static long? Add(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);

    private static decimal? Add(decimal? a, decimal? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);
}
