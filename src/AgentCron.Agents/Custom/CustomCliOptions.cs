using AgentCron.Agents.Cli;

namespace AgentCron.Agents.Custom;

/// <summary>
/// One configured CLI provider (configuration section <c>Agents:Custom:&lt;providerId&gt;</c>): how to invoke an agent
/// CLI that has no runner of its own — its argv for new and resumed sessions, how it takes the prompt, what it prints
/// and where its session id is. Configured, not coded, so a new CLI needs no release of AgentCron. Every member left
/// empty takes the value of <see cref="Preset"/>, if one is named.
/// </summary>
public sealed record CustomCliOptions : AgentCliOptions
{
    /// <summary>A shipped configuration to start from (<c>goose</c>, <c>kimi</c>); the members set here override it.</summary>
    public string Preset { get; init; } = "";

    /// <summary>How to install the CLI, quoted when it is not found (e.g. <c>uv tool install kimi-cli</c>).</summary>
    public string Install { get; init; } = "";

    /// <summary>
    /// The argv of a new session (without the program). Placeholders: <c>{prompt}</c>, <c>{session}</c>, <c>{model}</c>,
    /// <c>{cwd}</c>; an element that is exactly <c>{arguments}</c> takes the posture's and the configured
    /// <see cref="AgentCliOptions.Arguments"/> (else they go at the end). An element written <c>[-m {model}]</c> is an
    /// optional group: its space-separated words are passed when every placeholder in them has a value, and the whole
    /// group is left out otherwise (a task without a model).
    /// </summary>
    public List<string> Args { get; init; } = [];

    /// <summary>The argv that continues the session <c>{session}</c>; required unless <see cref="SessionId"/> is <c>none</c>.</summary>
    public List<string> ResumeArgs { get; init; } = [];

    /// <summary><c>stdin</c> (the default: the prompt is written to stdin) or <c>none</c> (stdin is closed; the argv carries <c>{prompt}</c>).</summary>
    public string Input { get; init; } = "";

    /// <summary><c>text</c> (stdout is the answer), <c>jsonl</c> (JSON lines read with <see cref="Jsonl"/>) or <c>claude-stream-json</c>.</summary>
    public string Output { get; init; } = "";

    /// <summary>
    /// Where the session id comes from: <c>output</c> (the CLI prints it: <see cref="CustomJsonLines.SessionId"/>, or
    /// the stream-json records), <c>generate</c> (AgentCron makes a new id and passes it as <c>{session}</c>, for CLIs
    /// that name sessions on request, like <c>goose run --name</c>) or <c>none</c> (the default: every run starts afresh).
    /// </summary>
    public string SessionId { get; init; } = "";

    /// <summary>Where the answer, session id, error and tokens are in <c>jsonl</c> output.</summary>
    public CustomJsonLines Jsonl { get; init; } = new();

    /// <summary>
    /// The postures (<c>read_only</c>, <c>edit</c>, <c>full</c>) this CLI can honour, each with the arguments and
    /// variables that select it. A task may use only a listed posture (no posture means <c>read_only</c>); with none
    /// listed the CLI is taken to do anything it likes, so its tasks must say <c>full</c>.
    /// </summary>
    public Dictionary<string, CustomCliPosture> Postures { get; init; } = [];
}

/// <summary>What selects one posture in a custom CLI.</summary>
public sealed record CustomCliPosture
{
    /// <summary>Added where <c>{arguments}</c> stands (or at the end).</summary>
    public List<string> Args { get; init; } = [];

    /// <summary>Added to the CLI's environment (e.g. goose's <c>GOOSE_MODE</c>).</summary>
    public Dictionary<string, string> Environment { get; init; } = [];
}

/// <summary>
/// Field rules for JSON-lines output. A path is dotted member names; <c>name[]</c> steps into every item of an array
/// and <c>name[key=value]</c> into the items whose member <c>key</c> is <c>value</c>
/// (e.g. <c>message.content[type=text].text</c>).
/// </summary>
public sealed record CustomJsonLines
{
    /// <summary>The assistant's text. The answer is the last message that had text.</summary>
    public CustomJsonField Text { get; init; } = new();

    /// <summary>A path to a message id, for CLIs that stream one message as several records: records with the same id are joined.</summary>
    public string MessageId { get; init; } = "";

    /// <summary>The CLI's session id (with <see cref="CustomCliOptions.SessionId"/> <c>output</c>); the last one seen counts.</summary>
    public CustomJsonField SessionId { get; init; } = new();

    /// <summary>A failure message: any record that has one fails the run with it.</summary>
    public CustomJsonField Error { get; init; } = new();

    /// <summary>Input tokens of the turn; the last value seen counts.</summary>
    public CustomJsonField InputTokens { get; init; } = new();

    /// <summary>Output tokens of the turn; the last value seen counts.</summary>
    public CustomJsonField OutputTokens { get; init; } = new();
}

/// <summary>A value in JSON-lines output: read at <see cref="Path"/> from the records that match every <see cref="When"/> condition.</summary>
public sealed record CustomJsonField
{
    /// <summary>Conditions <c>path=value</c> a record must meet, e.g. <c>type=message</c>, <c>message.role=assistant</c>.</summary>
    public List<string> When { get; init; } = [];

    /// <summary>Where the value is; empty means the field is not read.</summary>
    public string Path { get; init; } = "";
}
