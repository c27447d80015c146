namespace AgentCron.Server.Api;

public static class ApiRoutes
{
    /// <summary>Maps the whole HTTP surface: health (open), the token-protected API and OpenAPI document, and the start page.</summary>
    public static IEndpointRouteBuilder MapAgentCronApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        var api = app.MapGroup("/api").AddEndpointFilter(ApiToken.RequireAsync).AddEndpointFilter(Problems.FilterAsync);
        api.MapTasksApi().MapRunsApi().MapDeliveriesApi().MapPreviewApi().MapAgentsApi().MapNodesApi();
        app.MapMcpApi();
        // One document: a route for it alone, so any other name is the usual 404 problem (the handler's own is text).
        app.MapOpenApi("/openapi/v1.json").AddEndpointFilter(ApiToken.RequireAsync);
        app.MapGet("/", () => TypedResults.Content(StartPage.Html, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }
}
