using AgentCron.Core.Contracts;
using AgentCron.Core.Ports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class AgentsApi
{
    public static RouteGroupBuilder MapAgentsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/agents", ListAsync).WithTags("Agents")
            .WithSummary("The agent providers of this daemon: installed or not, version, path, and which is the default.")
            .AllowRunToken();
        return api;
    }

    private static async Task<Ok<IReadOnlyList<AgentView>>> ListAsync(IEnumerable<IAgentRunner> runners, RunnerRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DescribeAsync(runners, registry, cancellationToken));

    /// <summary>The providers as the API and the web UI show them.</summary>
    internal static async Task<IReadOnlyList<AgentView>> DescribeAsync(IEnumerable<IAgentRunner> runners, RunnerRegistry registry, CancellationToken cancellationToken) =>
        await Task.WhenAll(runners.OrderBy(r => r.Provider, StringComparer.Ordinal).Select(async runner =>
        {
            var info = await runner.DescribeAsync(cancellationToken);
            return new AgentView(runner.Provider, runner.Aliases, runner.Provider == registry.DefaultProvider, info.Available, info.Path, info.Version, info.Note);
        }));
}
