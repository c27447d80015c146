using AgentCron.Agents.Claude;
using AgentCron.Agents.Command;
using AgentCron.Core.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Agents;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>Registers the <c>command</c> runner: any program, run as an argv with the prompt on stdin.</summary>
    public static IServiceCollection AddCommandRunner(this IServiceCollection services) =>
        services.AddSingleton<IAgentRunner, CommandRunner>();

    /// <summary>Registers the <c>claudecode</c> runner (alias <c>claude</c>): Claude Code in print mode with stream-json output.</summary>
    public static IServiceCollection AddClaudeRunner(this IServiceCollection services, ClaudeOptions options, IReadOnlyList<string>? mcpServer = null) =>
        services.AddSingleton<IAgentRunner>(new ClaudeRunner(options, mcpServer));
}
