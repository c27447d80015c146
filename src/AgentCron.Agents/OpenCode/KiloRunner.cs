using AgentCron.Agents.Cli;

namespace AgentCron.Agents.OpenCode;

/// <summary>
/// Runs the Kilo CLI, a fork of OpenCode that takes the same invocation and prints the same JSON events, with its
/// settings under <c>KILO_*</c> (configuration in <c>~/.config/kilo/</c>, <c>KILO_CONFIG</c> or
/// <c>KILO_CONFIG_CONTENT</c>). On top of OpenCode's quiet defaults a scheduled run sends Kilo no telemetry, session
/// uploads or presence, and never hands its work to a running Kilo daemon, so stopping the run stops the work.
/// </summary>
public sealed class KiloRunner(AgentCliOptions options) : OpenCodeFamilyRunner(options)
{
    public override string Provider => "kilo";

    public override IReadOnlyList<string> Aliases { get; } = ["kilocode"];

    protected override string DisplayName => "Kilo";

    protected override string DefaultExecutable => "kilo";

    protected override string InstallHint => "npm install -g @kilocode/cli";

    protected override string ConfigSection => "Agents:Kilo";

    protected override string EnvironmentPrefix => "KILO";

    protected override IEnumerable<(string Name, string Value)> QuietDefaults =>
    [
        .. base.QuietDefaults,
        ("TELEMETRY_LEVEL", "off"), // anything but "all" turns Kilo's PostHog telemetry off
        ("DISABLE_SESSION_INGEST", "1"),
        ("DISABLE_PRESENCE", "1"),
        ("NO_DAEMON", "1"),
    ];
}
