using System.Security.Cryptography;
using System.Text;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Security;

namespace AgentCron.Server.Api;

/// <summary>The bearer token every API route but health requires, compared in constant time.</summary>
public sealed class ApiToken(string token)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public bool Accepts(string? bearer) =>
        bearer is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bearer), _token);

    /// <summary>The token of an <c>Authorization: Bearer TOKEN</c> header, or null.</summary>
    public static string? Bearer(string? authorization) =>
        authorization is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;

    /// <summary>
    /// An endpoint filter: the daemon's token may do everything; a run's token (<see cref="RunTokens"/>) only what the
    /// endpoint allows with <see cref="RunTokenAccess.AllowRunToken{TBuilder}"/> — read, create and cancel tasks — and only while its run
    /// is running (403 otherwise); anything else is 401.
    /// </summary>
    public static async ValueTask<object?> RequireAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var bearer = Bearer(http.Request.Headers.Authorization);
        if (http.RequestServices.GetRequiredService<ApiToken>().Accepts(bearer))
        {
            return await next(context);
        }

        if (bearer is not null && http.RequestServices.GetRequiredService<RunTokens>().RunIdOf(bearer) is { } runId)
        {
            var run = await http.RequestServices.GetRequiredService<IAgentCronStore>().Runs.FindAsync(runId, http.RequestAborted);
            if (run is { Status: RunStatus.Running })
            {
                if (http.GetEndpoint()?.Metadata.GetMetadata<RunTokenAccess.RunTokenAllowed>() is null)
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status403Forbidden,
                        title: "Forbidden",
                        detail: "a run's token may read, create and cancel tasks and read runs, nothing else");
                }

                http.Items[typeof(RunTokenAccess.RunTokenAllowed)] = run;
                return await next(context);
            }
        }

        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"agentcron\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: bearer?.StartsWith(RunTokens.Prefix, StringComparison.Ordinal) == true
                ? "this run token is not valid (any more): a run's token works only while its run is running"
                : "send 'Authorization: Bearer TOKEN'; the token is in $AGENTCRON_HOME/token (or set AGENTCRON_TOKEN for the CLI)");
    }
}
