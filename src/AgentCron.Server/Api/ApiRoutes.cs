namespace AgentCron.Server.Api;

public static class ApiRoutes
{
    /// <summary>Maps the API: health (open), the token-protected API and the OpenAPI document (the web UI: <c>UiRoutes</c>).</summary>
    public static IEndpointRouteBuilder MapAgentCronApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        var api = app.MapGroup("/api").AddEndpointFilter(ApiToken.RequireAsync).AddEndpointFilter(Problems.FilterAsync);
        api.MapTasksApi().MapRunsApi().MapDeliveriesApi().MapPreviewApi().MapAgentsApi().MapNodesApi();
        api.MapPost("/ui/link", (Ui.UiSessions sessions, HttpContext http) => TypedResults.Ok(new Core.Contracts.UiLinkView(sessions.NewLink(new Uri($"{http.Request.Scheme}://{http.Request.Host}/")))))
            .WithTags("UI").WithSummary("A one-time link that signs a browser in to the web UI (good once, for 15 minutes).");
        app.MapMcpApi();
        // One document: a route for it alone, so any other name is the usual 404 problem (the handler's own is text).
        app.MapOpenApi("/openapi/v1.json").AddEndpointFilter(ApiToken.RequireAsync);
        return app;
    }
}
