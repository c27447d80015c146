using System.Security.Cryptography;
using System.Text;

namespace AgentCron.Server.Api;

/// <summary>The bearer token every API route but health requires, compared in constant time.</summary>
public sealed class ApiToken(string token)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public bool Accepts(string? authorization) =>
        authorization is { } header
        && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), _token);

    /// <summary>An endpoint filter answering 401 with a problem document when the token is missing or wrong.</summary>
    public static async ValueTask<object?> RequireAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetRequiredService<ApiToken>().Accepts(http.Request.Headers.Authorization))
        {
            return await next(context);
        }

        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"agentcron\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: "send 'Authorization: Bearer TOKEN'; the token is in $AGENTCRON_HOME/token (or set AGENTCRON_TOKEN for the CLI)");
    }
}
