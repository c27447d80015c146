using AgentCron.Core;
using AgentCron.Core.Ports;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace AgentCron.Server.Api;

/// <summary>
/// Maps exceptions to RFC 9457 problem documents: 400 invalid (with the field), 403, 404, 409, 507 when the store's disk
/// is full (nothing was changed; the client may try again once there is space); 500 only for our own bugs.
/// </summary>
public static class Problems
{
    public static int StatusOf(Exception error) => error switch
    {
        InvalidFieldException or BadHttpRequestException => StatusCodes.Status400BadRequest,
        ForbiddenException => StatusCodes.Status403Forbidden,
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        StoreFullException => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// An endpoint filter that answers client errors (invalid input, unknown ids, conflicts) and a full disk with their
    /// problem document directly, so they are not logged as unhandled exceptions (a full disk shows in the health
    /// endpoint instead); anything else goes on to the exception handler.
    /// </summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (StatusOf(ex) is < 500 or StatusCodes.Status507InsufficientStorage)
        {
            return Result(ex);
        }
    }

    /// <summary>The exception handler's answer: a problem document, the details of a 500 only in the daemon's log.</summary>
    public static async Task HandleAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        await Result(error).ExecuteAsync(context);
    }

    /// <summary>
    /// The body of an error status that has none yet — no route matches (404), the route does not take the method (405),
    /// or an endpoint answered with a bare status: a problem document too, whatever the client accepts.
    /// </summary>
    public static Task StatusCodePageAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var allow = http.Response.Headers.Allow.ToString();
        return TypedResults.Problem(
            statusCode: status,
            title: ReasonPhrases.GetReasonPhrase(status),
            detail: status switch
            {
                404 => "no such route; every route is listed in the OpenAPI document at /openapi/v1.json",
                405 => allow.Length > 0 ? $"this route takes {allow} only" : "this route does not take this method",
                _ => null,
            }).ExecuteAsync(http);
    }

    private static ProblemHttpResult Result(Exception? error)
    {
        var status = error is null ? StatusCodes.Status500InternalServerError : StatusOf(error);
        var extensions = error is InvalidFieldException invalid ? new Dictionary<string, object?> { ["field"] = invalid.Field } : null;
        return TypedResults.Problem(
            statusCode: status,
            title: status switch
            {
                400 => "Invalid request",
                403 => "Forbidden",
                404 => "Not found",
                409 => "Conflict",
                507 => "Insufficient storage",
                _ => "Internal error",
            },
            detail: status switch
            {
                500 => "the daemon hit an unexpected error; it is in the daemon's log",
                507 => $"the store's disk is full ({error?.Message.TrimEnd('.')}): nothing was changed; free space where the database lives and try again",
                _ => error?.Message,
            },
            extensions: extensions);
    }
}
