using System.Reflection;
using System.Text.Json;
using AgentCron.Client;
using DaemonEndpoint = AgentCron.Client.Endpoint;
using AgentCron.Client.Mcp;
using AgentCron.Core.Engine;
using AgentCron.Core.Ports;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentCron.Server.Api;

/// <summary>
/// AgentCron's MCP tools over HTTP (the Streamable HTTP transport, stateless): <c>POST /mcp</c> with the daemon's token or
/// a run's token. They are the same tools as <c>agentcron mcp</c> (<see cref="AgentCronTools"/>) and call this daemon's
/// API back over loopback with the caller's own token, so a run's token keeps exactly its API rights (create, read and
/// cancel tasks; the follow-up limits) and a run's follow-ups are anchored to its task's thread.
/// </summary>
public static class McpApi
{
    /// <summary>The tools, built once from <see cref="AgentCronTools"/>; each call gets an instance bound to its caller.</summary>
    private static readonly McpServerTool[] Tools = [.. typeof(AgentCronTools)
        .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Where(m => m.GetCustomAttribute<McpServerToolAttribute>() is not null)
        .Select(m => McpServerTool.Create(m, context => ((Caller)context.Server.Services!).Tools(), new McpServerToolCreateOptions()))];

    public static IEndpointRouteBuilder MapMcpApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/mcp", HandleAsync).AddEndpointFilter(ApiToken.RequireAsync).AllowRunToken().ExcludeFromDescription();
        // Stateless: there is no server-to-client stream to open and no session to end.
        app.MapMethods("/mcp", ["GET", "DELETE"], (HttpContext http) =>
        {
            http.Response.Headers.Allow = "POST";
            return TypedResults.StatusCode(StatusCodes.Status405MethodNotAllowed);
        }).AddEndpointFilter(ApiToken.RequireAsync).AllowRunToken().ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext http, RunEnvironment environment, IAgentCronStore store, TimeProvider time, ILoggerFactory loggers)
    {
        JsonRpcMessage? message;
        try
        {
            message = await JsonSerializer.DeserializeAsync<JsonRpcMessage>(http.Request.Body, McpJsonUtilities.DefaultOptions, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(http, null, -32700, $"not a JSON-RPC message: {ex.Message}");
            return;
        }

        if (message is null)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var run = RunTokenAccess.RunCaller(http);
        var thread = run is null ? null : (await store.Tasks.FindAsync(run.TaskId, http.RequestAborted))?.Thread?.ToString();
        var endpoint = new DaemonEndpoint(new Uri(environment.DaemonUrl + "/"), "", ApiToken.Bearer(http.Request.Headers.Authorization), "the MCP request's Authorization header");
        using var client = new AgentCronClient(endpoint, time);
        var caller = new Caller(http.RequestServices, client, new McpThread(thread));

        await using var transport = new StreamableHttpServerTransport(loggers) { Stateless = true };
        var options = new McpServerOptions { ServerInfo = new Implementation { Name = "agentcron", Version = "1" }, ToolCollection = [.. Tools] };
        options.Filters.Request.CallToolFilters.Add(ToolErrors.Filter);
        await using var server = McpServer.Create(transport, options, loggers, caller);
        var serving = server.RunAsync(http.RequestAborted);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache,no-store";
        try
        {
            if (!await transport.HandlePostRequestAsync(message, http.Response.Body, http.RequestAborted))
            {
                // A notification or a response: nothing to answer.
                http.Response.ContentType = null;
                http.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        }
        catch (JsonException ex) when (!http.Response.HasStarted)
        {
            // The transport reads an initialize request's params before answering it: malformed ones are the caller's error.
            await ErrorAsync(http, (message as JsonRpcRequest)?.Id, -32602, $"invalid params: {ex.Message}");
        }

        await transport.DisposeAsync();
        await serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>A JSON-RPC error answered with 400, before the MCP server has said anything.</summary>
    private static async Task ErrorAsync(HttpContext http, RequestId? id, int code, string message)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.Headers.CacheControl = default;
        var requestId = id is { } known ? JsonSerializer.SerializeToElement(known, McpJsonUtilities.DefaultOptions) : (JsonElement?)null;
        await http.Response.WriteAsJsonAsync(new { jsonrpc = "2.0", id = requestId, error = new { code, message } }, JsonSerializerOptions.Web, "application/json", http.RequestAborted);
    }

    /// <summary>The services one MCP request's tools see: the daemon's, plus a client and thread bound to the caller.</summary>
    private sealed class Caller(IServiceProvider services, AgentCronClient client, McpThread thread) : IServiceProvider
    {
        public AgentCronTools Tools() => new(client, thread);

        public object? GetService(Type serviceType) =>
            serviceType == typeof(AgentCronClient) ? client
            : serviceType == typeof(McpThread) ? thread
            : services.GetService(serviceType);
    }
}
