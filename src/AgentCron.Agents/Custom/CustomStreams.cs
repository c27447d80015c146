using System.Text;
using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.Custom;

/// <summary>Plain-text output: every stdout line is logged, and all of stdout is the answer.</summary>
internal sealed class TextOutputStream(IRunLogWriter log) : IAgentStream
{
    private readonly StringBuilder _text = new();

    public string? SessionId => null;

    public string? Model => null;

    public AgentOutcome? Outcome => new(false, _text.ToString().TrimEnd());

    public void Handle(string line)
    {
        log.Write("stdout", new { text = line });
        _text.AppendLine(line);
    }
}

/// <summary>The parsed field rules of JSON-lines output (<see cref="CustomJsonLines"/>).</summary>
internal sealed record JsonLinesRules(JsonFieldRule Text, JsonPath? MessageId, JsonFieldRule SessionId, JsonFieldRule Error, JsonFieldRule InputTokens, JsonFieldRule OutputTokens)
{
    public static JsonLinesRules Parse(CustomJsonLines jsonl, string section) => new(
        JsonFieldRule.Parse(jsonl.Text, $"{section}:Text"),
        string.IsNullOrWhiteSpace(jsonl.MessageId) ? null : JsonPath.Parse(jsonl.MessageId.Trim(), $"{section}:MessageId"),
        JsonFieldRule.Parse(jsonl.SessionId, $"{section}:SessionId"),
        JsonFieldRule.Parse(jsonl.Error, $"{section}:Error"),
        JsonFieldRule.Parse(jsonl.InputTokens, $"{section}:InputTokens"),
        JsonFieldRule.Parse(jsonl.OutputTokens, $"{section}:OutputTokens"));
}

/// <summary>
/// JSON-lines output read with configured field rules: text records become <c>assistant.text</c> entries (the answer is
/// the last message that had text, its streamed pieces joined), error records <c>agent.error</c> (and fail the run),
/// every other record an <c>agent.event</c> with the record itself; lines that are not JSON are logged as output.
/// </summary>
internal sealed class JsonLinesStream(IRunLogWriter log, JsonLinesRules rules) : JsonLinesAgentStream(log)
{
    private string? _answer;
    private string? _answerId;
    private string? _error;
    private long? _inputTokens;
    private long? _outputTokens;

    protected override void Handle(JsonElement root)
    {
        Read(root);
        Outcome = _error is not null ? new AgentOutcome(true, _error)
            : _answer is not null ? new AgentOutcome(false, _answer, _inputTokens is null && _outputTokens is null ? null : new RunUsage(_inputTokens, _outputTokens, null))
            : null;
    }

    private void Read(JsonElement record)
    {
        SessionId = rules.SessionId.Values(record).LastOrDefault() ?? SessionId;
        _inputTokens = Tokens(rules.InputTokens, record) ?? _inputTokens;
        _outputTokens = Tokens(rules.OutputTokens, record) ?? _outputTokens;
        if (rules.Error.Values(record).LastOrDefault() is { } error)
        {
            _error = error;
            Log.Write("agent.error", new { text = error });
            return;
        }

        var text = string.Concat(rules.Text.Values(record));
        if (text.Length == 0)
        {
            Log.Write("agent.event", new { record = record.Clone() });
            return;
        }

        // Pieces of one streamed message share its id and are joined; any other text starts a new answer.
        var id = rules.MessageId?.Evaluate(record).Select(JsonPath.Scalar).FirstOrDefault();
        _answer = id is not null && id == _answerId ? _answer + text : text;
        _answerId = id;
        Log.Write("assistant.text", new { text });
    }

    private static long? Tokens(JsonFieldRule rule, JsonElement record) =>
        rule.Values(record).Select(v => long.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (long?)null).LastOrDefault(n => n is not null);
}
