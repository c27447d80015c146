using AgentCron.Agents.Claude;
using AgentCron.Agents.Cli;
using AgentCron.Agents.Codex;
using AgentCron.Agents.Command;
using AgentCron.Agents.Custom;
using AgentCron.Agents.Gemini;
using AgentCron.Agents.OpenAi;
using AgentCron.Agents.OpenCode;
using AgentCron.Agents.Processes;
using AgentCron.Agents.Qwen;
using AgentCron.Core.Ports;

namespace AgentCron.Server.Hosting;

/// <summary>Every agent runner of the daemon, each configured from its section <c>Agents:&lt;Name&gt;</c>, and how the engine kills what a dead daemon's attempt left running.</summary>
public static class AgentRunners
{
    public static void Add(IServiceCollection services, IConfiguration config, YamlConfiguration? yaml, string home)
    {
        AgentCliOptions Cli(string name) => Settings.Bind<AgentCliOptions>(config, $"Agents:{name}", yaml);

        var openAi = Settings.Bind<OpenAiOptions>(config, "Agents:OpenAi", yaml);
        if (string.IsNullOrEmpty(openAi.SessionsDirectory))
        {
            openAi = openAi with { SessionsDirectory = Path.Combine(home, "sessions", "openai") };
        }

        List<IAgentRunner> runners =
        [
            new CommandRunner(),
            new ClaudeRunner(Settings.Bind<ClaudeOptions>(config, "Agents:Claude", yaml), SelfCommand.Mcp()),
            new CodexRunner(Cli("Codex")),
            new GeminiRunner(Cli("Gemini")),
            new QwenRunner(Cli("Qwen")),
            new OpenCodeRunner(Cli("OpenCode")),
            new KiloRunner(Cli("Kilo")),
            Settings.Located(yaml, "Agents:OpenAi:BaseUrl", () => new OpenAiRunner(openAi)),
        ];

        // Configured CLIs last: their ids must not take a built-in provider's id or alias.
        var custom = Settings.Bind<Dictionary<string, CustomCliOptions>>(config, "Agents:Custom", yaml);
        runners.AddRange(Settings.Located(yaml, () => CustomCliRunner.CreateAll(custom, runners)));
        foreach (var runner in runners)
        {
            services.AddSingleton(runner);
        }

        services.AddSingleton<IOrphanKiller, ProcessGroupOrphanKiller>();
    }
}
