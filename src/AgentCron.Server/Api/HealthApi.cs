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
        app.MapGet("/api/health", Health).WithTags("Health").WithSummary("Liveness: ok, or degraded with the reasons (a failing loop, a run result not yet written); the state of the engine's loops (no token needed).");
        return app;
    }

    private static Ok<HealthView> Health(IEngine engine, IAgentCronStore store, RunSandbox sandbox)
    {
        // One reading of the reasons decides the status, so the two always agree.
        var reasons = engine.Health.Reasons;
        return TypedResults.Ok(new HealthView(
            reasons.Count == 0 ? "ok" : "degraded",
            reasons,
            typeof(HealthApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            engine.Options.NodeId,
            StoreFactory.Describe(store),
            engine.RunningCount,
            engine.Health.Loops,
            new SandboxView(EnumText.ToText(sandbox.Status), sandbox.Note)));
    }
}
