using System.Globalization;
using System.Text;
using AgentCron.Agents.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using static AgentCron.Agents.Cli.JsonFields;

namespace AgentCron.Agents.Codex;

/// <summary>
/// Runs OpenAI's Codex CLI non-interactively: <c>codex exec --json --skip-git-repo-check -c sandbox_mode=… [-m M]
/// [resume ID] -</c> with the prompt on stdin, parsing its JSONL events live into the run log (<see cref="CodexStream"/>).
/// The task's <c>agent.permissions</c> becomes Codex's own sandbox (read-only, workspace-write, danger-full-access) with
/// approvals off, since nobody is there to approve a command in a scheduled run.
/// </summary>
public sealed class CodexRunner : CliAgentRunner
{
    private readonly Dictionary<string, string> _environment;

    public CodexRunner(AgentCliOptions options)
        : base(options) => _environment = options.Environment;

    public override string Provider => "codex";

    protected override string DisplayName => "Codex";

    protected override string DefaultExecutable => "codex";

    protected override string InstallHint => "npm install -g @openai/codex";

    protected override string ConfigSection => "Agents:Codex";

    protected override string Mode => "codex exec with JSONL events";

    protected override CliInvocation Invocation(RunRequest request)
    {
        // Options go between "exec" and "resume": codex exec takes them there for both; "resume" itself has no --sandbox,
        // so the posture is a -c setting, which both accept. The configured arguments come first, so that the task's
        // posture and model (later -c and -m win) cannot be overridden by them.
        List<string> args =
        [
            "exec", "--json", "--skip-git-repo-check",
            .. ExtraArguments,
            "-c", $"sandbox_mode={Toml(SandboxMode(request.Task.Agent.Permissions))}",
            "-c", "approval_policy=\"never\"",
        ];
        if (request.Task.Agent.Model is { } model)
        {
            args.AddRange(["-m", model]);
        }

        // Only an agent that may run commands unsandboxed can act on the scheduling section; it goes into Codex's
        // developer instructions (a developer message before the conversation), not into the task's prompt.
        if (request.Task.Agent.Permissions == AgentPermissions.Full && request.SchedulingPrompt is { } scheduling)
        {
            args.AddRange(["-c", $"developer_instructions={Toml(scheduling)}"]);
        }

        if (request.ResumeSessionId is { } session)
        {
            args.AddRange(["resume", session]);
        }

        args.Add("-");
        return new CliInvocation(args, request.Task.Instructions);
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) =>
        new CodexStream(log, request.ResumeSessionId is { } session ? SessionTotals(session) : null);

    /// <summary>
    /// The posture as Codex's sandbox, which confines every command the model runs (bubblewrap, bundled with the CLI):
    /// read-only may read files and run commands that only read; edit may also write in the working directory (and
    /// temp), still without network; full runs commands unconfined — the only posture that can reach AgentCron's API.
    /// </summary>
    private static string SandboxMode(AgentPermissions? permissions) => permissions switch
    {
        AgentPermissions.Edit => "workspace-write",
        AgentPermissions.Full => "danger-full-access",
        _ => "read-only",
    };

    /// <summary>
    /// A session's token totals before this turn. Codex's <c>turn.completed</c> usage on a resumed session counts the whole
    /// session, so the turn's own usage is that minus what its rollout file
    /// (<c>$CODEX_HOME/sessions/…/rollout-…-ID.jsonl</c>) last recorded. Null when there is no such record.
    /// </summary>
    private RunUsage? SessionTotals(string session)
    {
        var sessions = Path.Combine(CodexHome(), "sessions");
        if (!Directory.Exists(sessions) || Directory.EnumerateFiles(sessions, $"rollout-*{session}.jsonl", SearchOption.AllDirectories).FirstOrDefault() is not { } rollout)
        {
            return null;
        }

        var last = File.ReadLines(rollout).LastOrDefault(line => line.Contains("\"token_count\"", StringComparison.Ordinal));
        using var record = last is null ? null : ParseObject(last);
        if (record is null || Member(record.RootElement, "payload") is not { } payload || Member(payload, "info") is not { } info || Member(info, "total_token_usage") is not { } total)
        {
            return null;
        }

        return new RunUsage(Number(total, "input_tokens"), Number(total, "output_tokens"), null);
    }

    /// <summary>Where Codex keeps its state as the CLI will see it: <c>CODEX_HOME</c>, else <c>$HOME/.codex</c> (configured environment first).</summary>
    private string CodexHome() =>
        Variable("CODEX_HOME") ?? Path.Combine(Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex");

    private string? Variable(string name) =>
        (_environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name)) is { Length: > 0 } set ? set : null;

    /// <summary>A TOML basic string, as <c>-c key=value</c> parses its value (an unquoted text that happens to be valid TOML would change type).</summary>
    private static string Toml(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
