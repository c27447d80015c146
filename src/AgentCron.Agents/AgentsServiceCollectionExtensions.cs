using AgentCron.Agents.Command;
using AgentCron.Core.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Agents;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>Registers the <c>command</c> runner: any program, run as an argv with the prompt on stdin.</summary>
    public static IServiceCollection AddCommandRunner(this IServiceCollection services) =>
        services.AddSingleton<IAgentRunner, CommandRunner>();
}
