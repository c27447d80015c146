using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.OpenCode;

/// <summary>
/// What OpenCode and its fork Kilo share: <c>run --format json</c> with the prompt on stdin, <c>--session ID</c> to
/// resume, the same JSON events (<see cref="OpenCodeStream"/>), and the same settings under different environment
/// prefixes (<c>OPENCODE_*</c> / <c>KILO_*</c>). The posture goes in per run as the CLI's permission setting
/// (<c>&lt;PREFIX&gt;_PERMISSION</c>, merged over the user's configuration), so AgentCron never writes the user's config.
/// </summary>
public abstract class OpenCodeFamilyRunner(AgentCliOptions options) : CliAgentRunner(options)
{
    /// <summary>The prefix of the CLI's environment variables: <c>OPENCODE</c> or <c>KILO</c>.</summary>
    protected abstract string EnvironmentPrefix { get; }

    /// <summary>
    /// Settings a headless run wants unless the daemon's environment says otherwise (names without the prefix), e.g. no
    /// update checks or sharing; a runner adds its CLI's own.
    /// </summary>
    protected virtual IEnumerable<(string Name, string Value)> QuietDefaults => [("DISABLE_AUTOUPDATE", "1"), ("DISABLE_SHARE", "1")];

    protected override string Mode => "run --format json";

    protected override CliInvocation Invocation(RunRequest request)
    {
        var permissions = request.Task.Agent.Permissions;
        // --thinking adds the model's reasoning to the events (logged as assistant.thinking).
        List<string> args = ["run", "--format", "json", "--thinking", .. ExtraArguments];
        if (request.Task.Agent.Model is { } model)
        {
            args.AddRange(["--model", model]);
        }

        // A new session gets the task's name as its title: the CLI then skips the extra model request that would
        // generate one, and the session is easy to find in the CLI's own session list.
        args.AddRange(request.ResumeSessionId is { } session ? ["--session", session] : ["--title", request.Task.Name]);

        // --auto approves what the permission rules leave to "ask" (e.g. paths outside the working directory), which a
        // headless run otherwise rejects: only the full posture grants that.
        if (permissions == AgentPermissions.Full)
        {
            args.Add("--auto");
        }

        var environment = DefaultVariables(QuietDefaults.Select(d => ($"{EnvironmentPrefix}_{d.Name}", d.Value)));
        environment[$"{EnvironmentPrefix}_PERMISSION"] = Permission(permissions);

        // Neither CLI can add to its system prompt per run, so the scheduling section goes in front of the prompt.
        return new CliInvocation(args, PromptWithScheduling(request), environment);
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) => new OpenCodeStream(log);

    /// <summary>
    /// The posture as the CLI's permission rules, merged over the user's configuration. Left alone, OpenCode lets the
    /// model run any shell command and edit files, and Kilo runs commands it deems safe (e.g. <c>echo …</c>), so read-only
    /// denies both — a denied tool is not even offered to the model (nor, in Kilo, background processes, which fall
    /// under <c>bash</c>); edit allows the file tools; full allows both.
    /// </summary>
    private static string Permission(AgentPermissions? permissions) => JsonSerializer.Serialize(permissions switch
    {
        AgentPermissions.Full => new { edit = "allow", bash = "allow" },
        AgentPermissions.Edit => new { edit = "allow", bash = "deny" },
        _ => new { edit = "deny", bash = "deny" },
    });
}
