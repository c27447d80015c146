using AgentCron.Agents.Claude;
using AgentCron.Agents.Command;
using AgentCron.Agents.OpenAi;
using AgentCron.Core.Ports;

namespace AgentCron.Server.Hosting;

/// <summary>Every agent runner of the daemon, each configured from its section <c>Agents:&lt;Name&gt;</c>.</summary>
public static class AgentRunners
{
    public static void Add(IServiceCollection services, IConfiguration config, YamlConfiguration? yaml, string home)
    {
        services.AddSingleton<IAgentRunner, CommandRunner>();
        services.AddSingleton<IAgentRunner>(new ClaudeRunner(Settings.Bind<ClaudeOptions>(config, "Agents:Claude", yaml), SelfCommand.Mcp()));

        var openAi = Settings.Bind<OpenAiOptions>(config, "Agents:OpenAi", yaml);
        if (string.IsNullOrEmpty(openAi.SessionsDirectory))
        {
            openAi = openAi with { SessionsDirectory = Path.Combine(home, "sessions", "openai") };
        }

        services.AddSingleton<IAgentRunner>(Settings.Located(yaml, "Agents:OpenAi:BaseUrl", () => new OpenAiRunner(openAi)));
    }
}
