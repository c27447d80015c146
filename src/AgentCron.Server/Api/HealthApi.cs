using AgentCron.Core.Contracts;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;
using AgentCron.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", Health).WithTags("Health").WithSummary("Liveness and the state of the engine's loops (no token needed).");
        return app;
    }

    private static Ok<HealthView> Health(Scheduler scheduler, IAgentCronStore store, RunSandbox sandbox) => TypedResults.Ok(new HealthView(
        scheduler.Health.Healthy ? "ok" : "degraded",
        typeof(HealthApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        scheduler.Options.NodeId,
        StoreFactory.Describe(store),
        scheduler.Dispatcher.Running.Count,
        scheduler.Health.Loops,
        new SandboxView(EnumText.ToText(sandbox.Status), sandbox.Note)));
}
