using System.Net;
using System.Net.Sockets;

namespace AgentCron.Client;

/// <summary>The exit codes of every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}

/// <summary>A usage error found by the CLI itself (exit code 2): wrong or conflicting flags.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A failure that is not about usage (exit code 1), such as an unreadable prompt file.</summary>
public sealed class CommandFailedException(string message) : Exception(message);

/// <summary>An RFC 9457 problem document as the API returns it.</summary>
public sealed record ApiProblem(string? Type, string? Title, int? Status, string? Detail, string? Field);

/// <summary>The daemon answered with an error status.</summary>
/// <param name="status">The HTTP status code.</param>
/// <param name="problem">The problem document, or null when the body was not one.</param>
/// <param name="notFound">What to say on 404, such as <c>task 'x' does not exist</c>.</param>
/// <param name="endpoint">The endpoint the request went to, for the 401 hint.</param>
public sealed class ApiException(int status, ApiProblem? problem, string? notFound = null, Endpoint? endpoint = null)
    : Exception(problem?.Detail ?? problem?.Title ?? $"HTTP {status}")
{
    public int Status { get; } = status;
    public ApiProblem? Problem { get; } = problem;
    public string? NotFound { get; } = notFound;
    public Endpoint? Endpoint { get; } = endpoint;
}

/// <summary>No daemon answered at the endpoint (connection refused, unknown host, timeout).</summary>
public sealed class DaemonUnreachableException(Endpoint endpoint, string reason, Exception? inner = null)
    : Exception($"cannot reach the daemon at {endpoint.Display} ({reason})", inner)
{
    public Endpoint Endpoint { get; } = endpoint;
    public string Reason { get; } = reason;

    /// <summary>Why a request never got an answer, in a few words, or null when the failure is not about reachability.</summary>
    public static string? ReasonFor(HttpRequestException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.InnerException is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                SocketError.TimedOut => "connection timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                SocketError.ConnectionReset => "connection reset",
                _ => socket.SocketErrorCode.ToString(),
            };
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "host not found",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            HttpRequestError.ProxyTunnelError => "proxy tunnel failed",
            _ => null,
        };
    }
}

/// <summary>Turns any failure of a command into its exit code and the one message printed on stderr.</summary>
public static class ErrorReport
{
    public const string Prefix = "agentcron: ";

    public static (int ExitCode, string Message) Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            UsageException e => (ExitCodes.Usage, Prefix + e.Message),
            Core.InvalidFieldException e => (ExitCodes.Usage, Prefix + e.Message),
            CommandFailedException e => (ExitCodes.Error, Prefix + e.Message),
            DaemonUnreachableException e => (ExitCodes.Error,
                $"{Prefix}{e.Message}. Start it with 'agentcron serve' (or ./agentcron.sh serve), or set {Endpoint.UrlVariable}."),
            ApiException e => DescribeApi(e),
            OperationCanceledException => (ExitCodes.Interrupted, Prefix + "interrupted"),
            HttpRequestException or IOException => (ExitCodes.Error, $"{Prefix}the connection to the daemon failed: {error.Message}"),
            // Not one of ours: name the type so a bug report says what broke.
            _ => (ExitCodes.Error, $"{Prefix}unexpected {error.GetType().Name}: {error.Message}"),
        };
    }

    private static (int, string) DescribeApi(ApiException e)
    {
        var detail = e.Problem?.Detail ?? e.Problem?.Title;
        switch (e.Status)
        {
            case (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.UnprocessableEntity:
                var field = e.Problem?.Field;
                var text = detail ?? "the request was rejected";
                // The API's detail may or may not already start with the field; print it once.
                if (!string.IsNullOrEmpty(field) && !text.StartsWith(field + ":", StringComparison.Ordinal))
                    text = $"{field}: {text}";
                return (ExitCodes.Usage, Prefix + text);

            case (int)HttpStatusCode.Unauthorized:
                return (ExitCodes.Error, Prefix + "the daemon refused the request as unauthorized (401): " + TokenHint(e.Endpoint));

            case (int)HttpStatusCode.NotFound:
                return (ExitCodes.Error, Prefix + (e.NotFound ?? detail ?? "not found (404)"));

            default:
                var title = detail ?? $"HTTP {e.Status}";
                return (ExitCodes.Error, e.Status >= 500 ? $"{Prefix}the daemon failed ({e.Status}): {title}" : Prefix + title);
        }
    }

    private static string TokenHint(Endpoint? endpoint)
    {
        var where = $"the CLI reads the token from {Endpoint.TokenVariable}, else from the file {Endpoint.TokenFileName} in {Endpoint.HomeVariable}";
        if (endpoint is null)
            return where + "; make sure it matches the daemon's.";
        if (endpoint.Token is null)
            return $"no token was found ({Endpoint.TokenVariable} is unset and {endpoint.TokenSource} does not exist or is empty); " +
                $"{where}. Run the CLI with the same {Endpoint.HomeVariable} as 'agentcron serve', or set {Endpoint.TokenVariable}.";
        return $"the token from {endpoint.TokenSource} was not accepted; {where}. " +
            $"Use the same {Endpoint.HomeVariable} as 'agentcron serve', or set {Endpoint.TokenVariable} to the daemon's token.";
    }
}
