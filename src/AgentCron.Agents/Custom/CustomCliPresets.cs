namespace AgentCron.Agents.Custom;

/// <summary>
/// Shipped configurations for CLIs without a runner of their own, researched from their sources (not run here: they
/// have no npm package). A configured provider names one as <c>Preset</c> and overrides what differs.
/// </summary>
public static class CustomCliPresets
{
    /// <summary>
    /// goose (block/goose): <c>goose run --quiet --output-format stream-json --name ID [--model M] -i -</c>, the prompt
    /// on stdin. Its records are <c>{"type":"message","message":{id, role, content:[{type:"text",text}|{type:"toolRequest"}…]}}</c>
    /// (one streamed message as several records with the same id), <c>{"type":"error","error"}</c> and
    /// <c>{"type":"complete","input_tokens","output_tokens"}</c>; there is no session id in them, so AgentCron names the
    /// session (<c>--name</c>) and resumes it with <c>--name ID --resume</c>. <c>--quiet</c> keeps the banner off stdout.
    /// Postures: <c>GOOSE_MODE=chat</c> (no tools at all) for read_only and <c>auto</c> (every tool approved) for full;
    /// goose has no mode that allows edits but not commands, and its approve modes fail headless.
    /// </summary>
    public static CustomCliOptions Goose { get; } = new()
    {
        Executable = "goose",
        Install = "curl -fsSL https://github.com/block/goose/releases/download/stable/download_cli.sh | bash",
        Args = ["run", "--quiet", "--output-format", "stream-json", "--name", "{session}", "[--model {model}]", "{arguments}", "-i", "-"],
        ResumeArgs = ["run", "--quiet", "--output-format", "stream-json", "--name", "{session}", "--resume", "[--model {model}]", "{arguments}", "-i", "-"],
        Input = "stdin",
        Output = "jsonl",
        SessionId = "generate",
        Jsonl = new CustomJsonLines
        {
            Text = new CustomJsonField { When = ["type=message", "message.role=assistant"], Path = "message.content[type=text].text" },
            MessageId = "message.id",
            Error = new CustomJsonField { When = ["type=error"], Path = "error" },
            InputTokens = new CustomJsonField { When = ["type=complete"], Path = "input_tokens" },
            OutputTokens = new CustomJsonField { When = ["type=complete"], Path = "output_tokens" },
        },
        Postures = new Dictionary<string, CustomCliPosture>
        {
            ["read_only"] = new() { Environment = new Dictionary<string, string> { ["GOOSE_MODE"] = "chat" } },
            ["full"] = new() { Environment = new Dictionary<string, string> { ["GOOSE_MODE"] = "auto" } },
        },
    };

    /// <summary>
    /// Kimi Code CLI (MoonshotAI/kimi-cli): <c>kimi --print --output-format stream-json --session ID [--model M]</c>, the
    /// prompt on stdin. Its records are messages: <c>{"role":"assistant","content":[{"type":"text","text"}…],"tool_calls":[…]}</c>
    /// and <c>{"role":"tool","tool_call_id","content"}</c>. <c>--session ID</c> resumes that session or creates it, so
    /// AgentCron names it and passes the same flag to resume. Print mode approves every tool (an implicit
    /// <c>--yolo</c>), so only the full posture is offered.
    /// </summary>
    public static CustomCliOptions Kimi { get; } = new()
    {
        Executable = "kimi",
        Install = "uv tool install kimi-cli",
        Args = ["--print", "--output-format", "stream-json", "--session", "{session}", "[--model {model}]"],
        ResumeArgs = ["--print", "--output-format", "stream-json", "--session", "{session}", "[--model {model}]"],
        Input = "stdin",
        Output = "jsonl",
        SessionId = "generate",
        Jsonl = new CustomJsonLines
        {
            Text = new CustomJsonField { When = ["role=assistant"], Path = "content[type=text].text" },
        },
        Postures = new Dictionary<string, CustomCliPosture> { ["full"] = new() },
    };

    /// <summary>The presets by name.</summary>
    public static IReadOnlyDictionary<string, CustomCliOptions> All { get; } =
        new Dictionary<string, CustomCliOptions>(StringComparer.OrdinalIgnoreCase) { ["goose"] = Goose, ["kimi"] = Kimi };

    /// <summary>The configured options on top of a preset: each member set in <paramref name="configured"/> wins; environments are merged.</summary>
    internal static CustomCliOptions Apply(CustomCliOptions preset, CustomCliOptions configured) => new()
    {
        Preset = configured.Preset,
        Executable = Pick(configured.Executable, preset.Executable),
        Install = Pick(configured.Install, preset.Install),
        Environment = new Dictionary<string, string>(preset.Environment.Concat(configured.Environment).GroupBy(p => p.Key).Select(g => g.Last())),
        Arguments = configured.Arguments.Count > 0 ? configured.Arguments : preset.Arguments,
        Args = configured.Args.Count > 0 ? configured.Args : preset.Args,
        ResumeArgs = configured.ResumeArgs.Count > 0 ? configured.ResumeArgs : preset.ResumeArgs,
        Input = Pick(configured.Input, preset.Input),
        Output = Pick(configured.Output, preset.Output),
        SessionId = Pick(configured.SessionId, preset.SessionId),
        Jsonl = new CustomJsonLines
        {
            Text = Pick(configured.Jsonl.Text, preset.Jsonl.Text),
            MessageId = Pick(configured.Jsonl.MessageId, preset.Jsonl.MessageId),
            SessionId = Pick(configured.Jsonl.SessionId, preset.Jsonl.SessionId),
            Error = Pick(configured.Jsonl.Error, preset.Jsonl.Error),
            InputTokens = Pick(configured.Jsonl.InputTokens, preset.Jsonl.InputTokens),
            OutputTokens = Pick(configured.Jsonl.OutputTokens, preset.Jsonl.OutputTokens),
        },
        Postures = configured.Postures.Count > 0 ? configured.Postures : preset.Postures,
    };

    private static string Pick(string configured, string preset) => string.IsNullOrWhiteSpace(configured) ? preset : configured;

    private static CustomJsonField Pick(CustomJsonField configured, CustomJsonField preset) => string.IsNullOrWhiteSpace(configured.Path) ? preset : configured;
}
