using System.Text.RegularExpressions;
using AgentCron.Agents.Claude;
using AgentCron.Agents.Cli;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Custom;

/// <summary>
/// A provider configured rather than coded (<c>Agents:Custom:&lt;id&gt;</c>, <see cref="CustomCliOptions"/>): any agent
/// CLI that runs one turn non-interactively — goose, kimi, crush, pi, … — driven from an argv template for new and
/// resumed sessions, its output read as text, JSON lines with configured field paths, or Claude-style stream-json.
/// The configuration is checked when the daemon starts (<see cref="CreateAll"/>), so a mistake stops it with the exact
/// key instead of failing runs later.
/// </summary>
public sealed partial class CustomCliRunner : CliAgentRunner
{
    private static readonly string[] Inputs = ["stdin", "none"];
    private static readonly string[] Outputs = ["text", "jsonl", "claude-stream-json"];
    private static readonly string[] SessionModes = ["none", "generate", "output"];

    private readonly CustomCliOptions _options;
    private readonly ArgvTemplate _args;
    private readonly ArgvTemplate? _resumeArgs;
    private readonly JsonLinesRules? _jsonl;
    private readonly IReadOnlyDictionary<AgentPermissions, CustomCliPosture> _postures;

    private CustomCliRunner(string provider, CustomCliOptions options, ArgvTemplate args, ArgvTemplate? resumeArgs, JsonLinesRules? jsonl, IReadOnlyDictionary<AgentPermissions, CustomCliPosture> postures)
        : base(options)
    {
        Provider = provider;
        _options = options;
        _args = args;
        _resumeArgs = resumeArgs;
        _jsonl = jsonl;
        _postures = postures;
    }

    public override string Provider { get; }

    protected override string DisplayName => Provider;

    protected override string DefaultExecutable => _options.Executable;

    protected override string InstallHint => string.IsNullOrWhiteSpace(_options.Install) ? $"the {Provider} CLI's own installer" : _options.Install;

    protected override string ConfigSection => $"Agents:Custom:{Provider}";

    protected override string Mode => $"configured CLI, {_options.Output} output";

    /// <summary>
    /// Builds every configured provider, checking each configuration: an id that a built-in provider (or alias) already
    /// has, an unknown preset or value, a missing or contradictory setting — each throws
    /// <see cref="InvalidFieldException"/> naming the key, e.g. <c>Agents:Custom:goose:Output</c>, and what is allowed.
    /// </summary>
    /// <param name="configured">The section <c>Agents:Custom</c>, bound as a dictionary keyed by provider id.</param>
    /// <param name="builtIn">The daemon's other runners, whose ids and aliases are taken.</param>
    public static IReadOnlyList<IAgentRunner> CreateAll(IReadOnlyDictionary<string, CustomCliOptions> configured, IEnumerable<IAgentRunner> builtIn)
    {
        var taken = new HashSet<string>(builtIn.SelectMany(r => r.Aliases.Prepend(r.Provider)), StringComparer.OrdinalIgnoreCase);
        return [.. configured.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Create(p.Key, p.Value, taken))];
    }

    private static CustomCliRunner Create(string id, CustomCliOptions configured, HashSet<string> taken)
    {
        var section = $"Agents:Custom:{id}";
        if (!ProviderId().IsMatch(id))
        {
            throw new InvalidFieldException(section, $"'{id}' is not a provider id; use lower-case letters, digits, '-' and '_', starting with a letter");
        }

        if (taken.Contains(id))
        {
            throw new InvalidFieldException(section, $"'{id}' is a built-in provider (or its alias); give the custom provider another id");
        }

        var options = configured;
        if (!string.IsNullOrWhiteSpace(configured.Preset))
        {
            options = CustomCliPresets.All.TryGetValue(configured.Preset.Trim(), out var preset)
                ? CustomCliPresets.Apply(preset, configured)
                : throw new InvalidFieldException($"{section}:Preset", $"unknown preset '{configured.Preset}'; use one of: {string.Join(", ", CustomCliPresets.All.Keys)}");
        }

        options = options with
        {
            Input = OneOf(string.IsNullOrWhiteSpace(options.Input) ? "stdin" : options.Input, Inputs, $"{section}:Input"),
            Output = OneOf(options.Output, Outputs, $"{section}:Output"),
            SessionId = OneOf(string.IsNullOrWhiteSpace(options.SessionId) ? "none" : options.SessionId, SessionModes, $"{section}:SessionId"),
        };
        Require(!string.IsNullOrWhiteSpace(options.Executable), $"{section}:Executable", "is required: the CLI to run (a path, or a name on PATH)");
        Require(options.Args.Count > 0, $"{section}:Args", "is required: the CLI's arguments for a new session, e.g. [run, --output-format, json, '{prompt}']");

        var args = ArgvTemplate.Parse(options.Args, $"{section}:Args");
        var resuming = options.SessionId != "none";
        Require(resuming || options.ResumeArgs.Count == 0, $"{section}:ResumeArgs", "is set but SessionId is none; set SessionId to output or generate, or drop ResumeArgs");
        Require(!resuming || options.ResumeArgs.Count > 0, $"{section}:ResumeArgs", $"is required with SessionId {options.SessionId}: the arguments that continue session {{session}}");
        var resumeArgs = resuming ? ArgvTemplate.Parse(options.ResumeArgs, $"{section}:ResumeArgs") : null;
        Require(resumeArgs is null || resumeArgs.Requires("session"), $"{section}:ResumeArgs", "must pass {session} (outside an optional group)");
        Require(options.SessionId == "generate" ? args.Requires("session") : !args.Uses("session"), $"{section}:Args",
            options.SessionId == "generate" ? "must pass {session}: with SessionId generate AgentCron names the new session" : "cannot use {session} in a new session unless SessionId is generate");
        foreach (var (template, key) in new[] { (args, "Args"), (resumeArgs, "ResumeArgs") })
        {
            Require(template is null || options.Input == "stdin" || template.Requires("prompt"), $"{section}:{key}", "must pass {prompt} when Input is none");
        }

        Require(options.Output != "text" || options.SessionId != "output", $"{section}:SessionId", "cannot be output with text Output: plain text has no session id; use generate or none");
        JsonLinesRules? jsonl = null;
        if (options.Output == "jsonl")
        {
            jsonl = JsonLinesRules.Parse(options.Jsonl, $"{section}:Jsonl");
            Require(jsonl.Text.IsSet, $"{section}:Jsonl:Text:Path", "is required with jsonl Output: where the assistant's text is, e.g. message.content[type=text].text");
            Require(options.SessionId != "output" || jsonl.SessionId.IsSet, $"{section}:Jsonl:SessionId:Path", "is required with SessionId output: where the session id is, e.g. session_id");
        }

        var postures = new Dictionary<AgentPermissions, CustomCliPosture>();
        foreach (var (name, posture) in options.Postures.Count > 0 ? options.Postures : new Dictionary<string, CustomCliPosture> { ["full"] = new() })
        {
            postures[EnumText.Parse<AgentPermissions>(name, $"{section}:Postures:{name}")] = posture;
        }

        return new CustomCliRunner(id, options, args, resumeArgs, jsonl, postures);
    }

    public override void Validate(AgentSelection agent)
    {
        base.Validate(agent);
        Posture(agent.Permissions);
        if (agent.Model is null && (_args.Requires("model") || _resumeArgs?.Requires("model") == true))
        {
            throw new InvalidFieldException("agent.model", $"is required: the {Provider} provider passes {{model}} to its CLI ({ConfigSection}:Args)");
        }
    }

    protected override CliInvocation Invocation(RunRequest request)
    {
        var posture = Posture(request.Task.Agent.Permissions);
        var resume = _resumeArgs is not null ? request.ResumeSessionId : null;
        var session = resume ?? (_options.SessionId == "generate" ? Guid.NewGuid().ToString() : null);
        var prompt = PromptWithScheduling(request);
        var values = new Dictionary<string, string?>
        {
            ["prompt"] = prompt,
            ["session"] = session,
            ["model"] = request.Task.Agent.Model,
            ["cwd"] = request.WorkingDirectory,
        };
        var args = (resume is null ? _args : _resumeArgs!).Expand(values, [.. posture.Args, .. ExtraArguments]);
        return new CliInvocation(args, _options.Input == "stdin" ? prompt : null, posture.Environment, _options.SessionId == "generate" ? session : null);
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) => _options.Output switch
    {
        "jsonl" => new JsonLinesStream(log, _jsonl!),
        "claude-stream-json" => new ClaudeStream(log),
        _ => new TextOutputStream(log),
    };

    /// <summary>The configured posture (no posture: read_only); one the CLI cannot honour is refused.</summary>
    private CustomCliPosture Posture(AgentPermissions? permissions)
    {
        var wanted = permissions ?? AgentPermissions.ReadOnly;
        return _postures.TryGetValue(wanted, out var posture)
            ? posture
            : throw new InvalidFieldException("agent.permissions", $"the {Provider} provider cannot run {EnumText.ToText(wanted)} ({ConfigSection}:Postures); use one of: {string.Join(", ", _postures.Keys.Order().Select(EnumText.ToText))}");
    }

    private static string OneOf(string value, string[] allowed, string field) =>
        allowed.FirstOrDefault(a => a.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidFieldException(field, $"{(string.IsNullOrWhiteSpace(value) ? "is required" : $"'{value}' is not allowed")}; use one of: {string.Join(", ", allowed)}");

    private static void Require(bool ok, string field, string reason)
    {
        if (!ok)
        {
            throw new InvalidFieldException(field, reason);
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*$")]
    private static partial Regex ProviderId();
}
